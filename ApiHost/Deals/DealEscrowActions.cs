using System.Text.Json;
using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.OpenApi;
using Grains.Interfaces.Deals;

namespace ApiHost.Deals;

/// <summary>
/// The escrow actions on <c>/v1/deals?id=&amp;action=</c> (document §Deals): <c>escrow</c>, <c>fulfill_condition</c>,
/// <c>release_escrow</c>, <c>refund_escrow</c> (POST) and <c>escrow</c> (GET). Rules live in the deal grain.
/// </summary>
public static class DealEscrowActions
{
    /// <summary>Registers the POST actions on the deal action map.</summary>
    public static ActionMap<DealPostHandler> AddEscrowActions(this ActionMap<DealPostHandler> map) => map
        .Add("escrow", DealActions.OnDeal(Create), ActionDoc.Of<EscrowBody, DealEscrowData>("createDealEscrow", "Hold a deal's money in escrow", 201))
        .Add("fulfill_condition", DealActions.OnDeal(FulfillCondition),
            ActionDoc.Of<EscrowFulfillBody, DealEscrowData>("fulfillDealEscrowCondition", "Mark an escrow release condition met"))
        .Add("release_escrow", DealActions.OnDeal(Release), ActionDoc.Of<DealEscrowData>("releaseDealEscrow", "Release a deal's escrow"))
        .Add("refund_escrow", DealActions.OnDeal(Refund),
            ActionDoc.Of<EscrowRefundBody, DealEscrowData>("refundDealEscrow", "Refund a deal's escrow"));

    private static async Task<IResult> Create(DealAction a)
    {
        var request = ReadEscrow(a.Body, a.Fields);
        a.Fields.ThrowIfInvalid();
        return Result(await Escrow(a).CreateEscrow(request, a.Actor), created: true);
    }

    private static async Task<IResult> FulfillCondition(DealAction a)
    {
        var conditionId = a.Fields.String("condition_id", required: true, maxLength: 64);
        var metBy = a.Fields.String("met_by", maxLength: 255);
        a.Fields.ThrowIfInvalid();
        return Result(await Escrow(a).FulfillCondition(conditionId!, metBy, a.Actor));
    }

    private static async Task<IResult> Release(DealAction a)
    {
        a.Fields.ThrowIfInvalid();
        return Result(await Escrow(a).ReleaseEscrow(a.Actor));
    }

    private static async Task<IResult> Refund(DealAction a)
    {
        var reason = a.Fields.Enum("reason", EscrowKeys.RefundReasons) ?? "manual";
        a.Fields.ThrowIfInvalid();
        return Result(await Escrow(a).RefundEscrow(reason, a.Actor));
    }

    /// <summary><c>GET /v1/deals?id=&amp;action=escrow</c>: the deal's escrow with its conditions and timeline.</summary>
    public static async Task<IResult> Get(HttpContext http, IGrainFactory grains, string? id) =>
        ApiResults.Ok(new EscrowData(Resource(await Escrow(http, grains, id).Escrow())));

    public static EscrowResource Resource(DealEscrow e) => new(e.Id, e.Id, e.DealId, e.Status, DealContract.Money(e.Amount, e.Currency),
        e.Currency, e.Releasable, e.PaymentIntentId,
        [.. e.Conditions.Select(c => new EscrowConditionRecord(c.Id, c.Id, c.Type, Wire.Json(c.ConfigJson), c.Status, c.MetBy, c.MetAt))],
        e.ExpiresAt, e.CreatedAt, e.ReleasedAt, e.RefundedAt, e.RefundReason,
        [.. e.Timeline.Select(s => new EscrowTimelineEntry(s.Event, s.At, s.Actor, s.Detail))]);

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
        var data = new DealEscrowData(Resource(result.Escrow), DealContract.Resource(result.Deal));
        return created ? ApiResults.Created(data, result.Deal.Version) : ApiResults.Ok(data, result.Deal.Version);
    }

    /// <summary>The escrow face of the action's deal grain (same grain, same key).</summary>
    private static IDealEscrowGrain Escrow(DealAction a) => a.Post.Grains.GetGrain<IDealEscrowGrain>(a.Grain.GetPrimaryKeyString());

    private static IDealEscrowGrain Escrow(HttpContext http, IGrainFactory grains, string? id) =>
        grains.GetGrain<IDealEscrowGrain>(DealRequests.Deal(http, grains, id).GetPrimaryKeyString());
}
