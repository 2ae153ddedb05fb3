using System.Text.Json;
using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Api.Idempotency;
using ApiHost.Auth;
using ApiHost.Deals;
using Grains.Interfaces.Deals;

namespace ApiHost.Negotiations;

/// <summary>
/// <c>/v1/deal-negotiations</c> (document §Negotiations): GET <c>?deal_id=</c> is the history; POST
/// <c>?action=propose|counter|accept|reject|suggest&amp;deal_id=</c> (or both in the body, as the field table has them).
/// The caller's party: a full-access key (<c>*</c>) is the merchant, every other key (agent keys, publishable widget
/// keys) the agent. Also <c>GET /v1/schema/deal-terms</c>, the terms schema rounds are validated against.
/// </summary>
public static class NegotiationEndpoints
{
    public static void MapNegotiationEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapApi("deal-negotiations", group =>
        {
            group.MapGet("", History).RequireScope("deals:read");
            group.MapPost("", Post).RequireScope("agent:negotiate").WithIdempotency();
        });
        // Public and cacheable, like the state machine: agents fetch it before proposing terms.
        app.MapApi("schema", group => group.MapGet("deal-terms", (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=3600";
            return ApiResults.Ok(DealTermsSchema.JsonSchema());
        }));
    }

    public static string PartyOf(ApiCaller caller) => caller.Has("*") ? NegotiationKeys.Merchant : NegotiationKeys.Agent;

    private static async Task<IResult> History(HttpContext http, IGrainFactory grains, string? deal_id)
    {
        var grain = Negotiation(http, grains, deal_id);
        return ApiResults.Ok(ToJson(DealId(deal_id), await grain.Negotiation()));
    }

    private static async Task<IResult> Post(HttpContext http, IGrainFactory grains, string? action, string? deal_id, CancellationToken ct)
    {
        var body = await RequestBody.ReadOptionalObjectAsync(http.Request, ct);
        var fields = new FieldReader(body);
        action = string.IsNullOrEmpty(action) ? fields.String("action", maxLength: 32) : action;
        deal_id = string.IsNullOrEmpty(deal_id) ? fields.String("deal_id", maxLength: 64) : deal_id;
        if (string.IsNullOrEmpty(action) || !NegotiationKeys.Actions.Contains(action))
        {
            throw new ApiException(ApiError.BadRequest($"action must be one of: {string.Join(", ", NegotiationKeys.Actions)}", new { parameter = "action" }));
        }
        var grain = Negotiation(http, grains, deal_id);
        var caller = http.Caller();
        var party = new NegotiationParty(PartyOf(caller), DealRequests.Actor(http));
        switch (action)
        {
            case NegotiationKeys.Propose or NegotiationKeys.Counter:
            {
                var terms = Terms(body, fields, "proposed_terms", required: true);
                var message = fields.String("message", maxLength: FieldReader.DescriptionMaxLength);
                var expiresAt = fields.Timestamp("expires_at");
                fields.ThrowIfInvalid();
                var offer = new NegotiationOffer(terms!, message, expiresAt);
                var result = action == NegotiationKeys.Propose ? await grain.Propose(offer, party) : await grain.Counter(offer, party);
                var data = ToJson(result.Deal.Id, result.Negotiation);
                return action == NegotiationKeys.Propose ? ApiResults.Created(data, result.Deal.Version) : ApiResults.Ok(data, result.Deal.Version);
            }
            case NegotiationKeys.Accept:
            {
                fields.ThrowIfInvalid();
                var result = await grain.Accept(party);
                var data = ToJson(result.Deal.Id, result.Negotiation);
                data["deal"] = DealContract.ToJson(result.Deal);
                return ApiResults.Ok(data, result.Deal.Version);
            }
            case NegotiationKeys.Reject:
            {
                var reason = fields.String("reason", maxLength: FieldReader.DescriptionMaxLength);
                fields.ThrowIfInvalid();
                var result = await grain.Reject(reason, party);
                return ApiResults.Ok(ToJson(result.Deal.Id, result.Negotiation), result.Deal.Version);
            }
            default: // suggest
            {
                var current = Terms(body, fields, "current_terms", required: false);
                fields.ThrowIfInvalid();
                var advice = await grain.Suggest(current);
                return ApiResults.Ok(new JsonObject
                {
                    ["deal_id"] = DealId(deal_id),
                    ["suggestions"] = new JsonArray([.. advice.Suggestions.Select(s => (JsonNode)new JsonObject
                    {
                        ["strategy"] = s.Strategy,
                        ["proposed_terms"] = JsonNode.Parse(s.TermsJson),
                        ["confidence"] = s.Confidence,
                        ["rationale"] = s.Rationale,
                    })]),
                    ["data_quality"] = new JsonObject
                    {
                        ["comparable_deals"] = advice.ComparableDeals,
                        ["confidence_level"] = advice.ConfidenceLevel,
                        ["won_deals"] = advice.WonDeals,
                        ["lost_deals"] = advice.LostDeals,
                        ["avg_accepted_discount"] = advice.AverageAcceptedDiscount,
                        ["avg_rounds_to_close"] = advice.AverageRoundsToClose,
                    },
                });
            }
        }
    }

    /// <summary>The history: the document's shape, plus whose turn it is and what may come next.</summary>
    public static JsonObject ToJson(string dealId, DealNegotiation? n) => new()
    {
        ["deal_id"] = dealId,
        ["negotiation_id"] = n?.Id,
        ["status"] = n?.Status,
        ["total_rounds"] = n?.Rounds.Count ?? 0,
        ["awaiting"] = n is { IsOpen: true } open ? NegotiationKeys.Other(open.Last.ProposedBy) : null,
        ["next_actions"] = new JsonArray([.. NegotiationKeys.NextActions(n?.Status).Select(a => (JsonNode)a)]),
        ["ended_at"] = n?.EndedAt,
        ["ended_by"] = n?.EndedBy,
        ["reject_reason"] = n?.RejectReason,
        ["rounds"] = new JsonArray([.. (n?.Rounds ?? []).Select(r => (JsonNode)new JsonObject
        {
            ["round"] = r.Round,
            ["type"] = r.Type,
            ["proposed_by"] = r.ProposedBy,
            ["proposed_terms"] = JsonNode.Parse(r.TermsJson),
            ["message"] = r.Message,
            ["expires_at"] = r.ExpiresAt,
            ["created_at"] = r.CreatedAt,
        })]),
    };

    /// <summary>A terms object from the body, checked against the deal-terms schema (the grain checks again, and against the deal).</summary>
    private static string? Terms(JsonElement body, FieldReader fields, string name, bool required)
    {
        if (!body.TryGetProperty(name, out var terms) || terms.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                fields.Fail(name, "required", $"{name} is required");
            }
            return null;
        }
        foreach (var error in DealTermsSchema.Validate(terms, TermsUse.Negotiation, $"{name}."))
        {
            fields.Fail(error.Field, error.Code, error.Message);
        }
        return terms.ValueKind == JsonValueKind.Object ? terms.GetRawText() : null;
    }

    private static string DealId(string? dealId) =>
        string.IsNullOrEmpty(dealId)
            ? throw new ApiException(ApiError.BadRequest("deal_id is required", new { parameter = "deal_id" }))
            : dealId;

    private static IDealNegotiationGrain Negotiation(HttpContext http, IGrainFactory grains, string? dealId) =>
        grains.GetGrain<IDealNegotiationGrain>(DealRequests.Deal(http, grains, DealId(dealId)).GetPrimaryKeyString());
}
