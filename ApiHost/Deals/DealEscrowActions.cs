using System.Text.Json;
using System.Text.Json.Nodes;
using ApiHost.Api;
using Grains.Interfaces.Deals;

namespace ApiHost.Deals;

/// <summary>
/// The escrow actions on <c>/v1/deals?id=&amp;action=</c> (document §Deals): <c>escrow</c>, <c>fulfill_condition</c>,
/// <c>release_escrow</c>, <c>refund_escrow</c> (POST) and <c>escrow</c> (GET). Rules live in the deal grain.
/// </summary>
public static class DealEscrowActions
{
    public static readonly string[] PostActions = ["escrow", "fulfill_condition", "release_escrow", "refund_escrow"];

    public static bool Handles(string action) => PostActions.Contains(action);

    public static async Task<IResult> Post(HttpContext http, IGrainFactory grains, string? id, string action, CancellationToken ct)
    {
        var grain = Escrow(http, grains, id);
        var actor = DealEndpoints.Actor(http);
        var body = await RequestBody.ReadOptionalObjectAsync(http.Request, ct);
        var fields = new FieldReader(body);
        switch (action)
        {
            case "escrow":
            {
                var request = ReadEscrow(body, fields);
                fields.ThrowIfInvalid();
                return Result(await grain.CreateEscrow(request, actor), created: true);
            }
            case "fulfill_condition":
            {
                var conditionId = fields.String("condition_id", required: true, maxLength: 64);
                var metBy = fields.String("met_by", maxLength: 255);
                fields.ThrowIfInvalid();
                return Result(await grain.FulfillCondition(conditionId!, metBy, actor));
            }
            case "release_escrow":
                fields.ThrowIfInvalid();
                return Result(await grain.ReleaseEscrow(actor));
            default: // refund_escrow
            {
                var reason = fields.Enum("reason", EscrowKeys.RefundReasons) ?? "manual";
                fields.ThrowIfInvalid();
                return Result(await grain.RefundEscrow(reason, actor));
            }
        }
    }

    /// <summary><c>GET /v1/deals?id=&amp;action=escrow</c>: the deal's escrow with its conditions and timeline.</summary>
    public static async Task<IResult> Get(HttpContext http, IGrainFactory grains, string? id) =>
        ApiResults.Ok(new JsonObject { ["escrow"] = ToJson(await Escrow(http, grains, id).Escrow()) });

    public static JsonObject ToJson(DealEscrow e) => new()
    {
        ["id"] = e.Id,
        ["escrow_id"] = e.Id,
        ["deal_id"] = e.DealId,
        ["status"] = e.Status,
        ["amount"] = DealContract.Money(e.Amount, e.Currency),
        ["currency"] = e.Currency,
        ["releasable"] = e.Releasable,
        ["conditions"] = new JsonArray([.. e.Conditions.Select(c => (JsonNode)new JsonObject
        {
            ["id"] = c.Id,
            ["condition_id"] = c.Id,
            ["type"] = c.Type,
            ["config"] = c.ConfigJson is null ? null : JsonNode.Parse(c.ConfigJson),
            ["status"] = c.Status,
            ["met_by"] = c.MetBy,
            ["met_at"] = c.MetAt,
        })]),
        ["expires_at"] = e.ExpiresAt,
        ["created_at"] = e.CreatedAt,
        ["released_at"] = e.ReleasedAt,
        ["refunded_at"] = e.RefundedAt,
        ["refund_reason"] = e.RefundReason,
        ["timeline"] = new JsonArray([.. e.Timeline.Select(s => (JsonNode)new JsonObject
        {
            ["event"] = s.Event,
            ["at"] = s.At,
            ["actor"] = s.Actor,
            ["detail"] = s.Detail,
        })]),
    };

    private static EscrowRequest ReadEscrow(JsonElement body, FieldReader fields)
    {
        var conditions = new List<EscrowConditionInput>();
        if (!body.TryGetProperty("conditions", out var array) || array.ValueKind == JsonValueKind.Null)
        {
            fields.Fail("conditions", "required", "conditions is required: an array of {type, config}");
        }
        else if (array.ValueKind != JsonValueKind.Array || array.GetArrayLength() is 0 or > EscrowKeys.MaxConditions)
        {
            fields.Fail("conditions", "invalid_type", $"conditions must be an array of 1-{EscrowKeys.MaxConditions} condition objects");
        }
        else
        {
            var index = 0;
            foreach (var element in array.EnumerateArray())
            {
                var condition = new FieldReader(element.ValueKind == JsonValueKind.Object ? element : JsonDocument.Parse("{}").RootElement);
                var type = condition.String("type", required: true, maxLength: 64);
                var config = condition.Metadata("config");
                foreach (var (name, error) in condition.Errors)
                {
                    fields.Fail($"conditions[{index}].{name}", error.Code, error.Message);
                }
                conditions.Add(new EscrowConditionInput(type ?? "", config));
                index++;
            }
        }
        var amount = fields.Decimal("amount", min: 0.01m, max: 1_000_000_000_000m);
        var currency = fields.Currency("currency");
        var expiresIn = fields.Integer("expires_in", min: EscrowKeys.MinExpiresInSeconds, max: EscrowKeys.MaxExpiresInSeconds)
                        ?? EscrowKeys.DefaultExpiresInSeconds;
        return new EscrowRequest(conditions, amount, currency, expiresIn);
    }

    private static IResult Result(DealEscrowResult result, bool created = false)
    {
        var data = new JsonObject { ["escrow"] = ToJson(result.Escrow), ["deal"] = DealContract.ToJson(result.Deal) };
        return created ? ApiResults.Created(data, result.Deal.Version) : ApiResults.Ok(data, result.Deal.Version);
    }

    private static IDealEscrowGrain Escrow(HttpContext http, IGrainFactory grains, string? id) =>
        grains.GetGrain<IDealEscrowGrain>(DealEndpoints.Deal(http, grains, id).GetPrimaryKeyString());
}
