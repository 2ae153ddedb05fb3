using System.Text.Json;
using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Api.Idempotency;
using ApiHost.Auth;
using ApiHost.Deals;
using ApiHost.OpenApi;
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
    /// <summary>One negotiation action on a deal: the body, the deal's negotiation face and the caller's party.</summary>
    public sealed record NegotiationPost(JsonElement Body, FieldReader Fields, string DealId, IDealNegotiationGrain Grain, NegotiationParty Party);

    public delegate Task<IResult> NegotiationHandler(NegotiationPost post);

    private static readonly ActionMap<NegotiationHandler> Actions = new ActionMap<NegotiationHandler>("POST")
        .Add(NegotiationKeys.Propose, Propose,
            ActionDoc.Of<NegotiationOfferBody, NegotiationData>("proposeDealTerms", "Open a negotiation with proposed terms", 201))
        .Add(NegotiationKeys.Counter, Counter, ActionDoc.Of<NegotiationOfferBody, NegotiationData>("counterDealTerms", "Counter the latest proposal"))
        .Add(NegotiationKeys.Accept, Accept, ActionDoc.Of<NegotiationData>("acceptDealTerms", "Accept the latest proposal; the deal takes its terms"))
        .Add(NegotiationKeys.Reject, Reject, ActionDoc.Of<NegotiationRejectBody, NegotiationData>("rejectDealTerms", "End the negotiation"))
        .Add(NegotiationKeys.Suggest, Suggest,
            ActionDoc.Of<NegotiationSuggestBody, NegotiationSuggestionsData>("suggestDealTerms", "Suggested terms from comparable deals"));

    public static void MapNegotiationEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapApi("deal-negotiations", group =>
        {
            group.MapGet("", History).RequireScope("deals:read").Operation<NegotiationData>("getDealNegotiation", "A deal's negotiation history",
                description: "`?deal_id=` names the deal.");
            group.MapGet("{id}", (HttpContext http, IGrainFactory grains, string id) => History(http, grains, id)).RequireScope("deals:read")
                .Operation<NegotiationData>("getDealNegotiationByDeal", "A deal's negotiation history", description: "Also served as `GET ?deal_id={id}`.");
            // Every query-style action is documented as its own path-style operation (POST /v1/deal-negotiations/{deal id}/{action}).
            group.MapPost("", Post).RequireScope("agent:negotiate").WithIdempotency().ExcludeFromDescription();
            Actions.MapPathStyle(group, "POST", "agent:negotiate",
                handler => (HttpContext http, IGrainFactory grains, string id, CancellationToken ct) => Run(handler, http, grains, id, ct));
        });
        // Public and cacheable, like the state machine: agents fetch it before proposing terms.
        app.MapApi("schema", group => group.MapGet("deal-terms", (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=3600";
            return ApiResults.Ok(DealTermsSchema.JsonSchema());
        }).Operation<JsonObject>("getDealTermsSchema", "The JSON Schema of deal terms"));
    }

    public static string PartyOf(ApiCaller caller) => caller.Has("*") ? NegotiationKeys.Merchant : NegotiationKeys.Agent;

    private static async Task<IResult> History(HttpContext http, IGrainFactory grains, string? deal_id)
    {
        var grain = Negotiation(http, grains, deal_id);
        return ApiResults.Ok(ToData(DealId(deal_id), await grain.Negotiation()));
    }

    /// <summary>The document's form: <c>?action=&amp;deal_id=</c>, or both in the body as its field table has them.</summary>
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
        return await Actions.Find(action)(Prepare(http, grains, body, fields, deal_id));
    }

    private static async Task<IResult> Run(NegotiationHandler handler, HttpContext http, IGrainFactory grains, string dealId, CancellationToken ct)
    {
        var body = await RequestBody.ReadOptionalObjectAsync(http.Request, ct);
        return await handler(Prepare(http, grains, body, new FieldReader(body), dealId));
    }

    private static NegotiationPost Prepare(HttpContext http, IGrainFactory grains, JsonElement body, FieldReader fields, string? dealId) =>
        new(body, fields, DealId(dealId), Negotiation(http, grains, dealId), new NegotiationParty(PartyOf(http.Caller()), DealRequests.Actor(http)));

    private static Task<IResult> Propose(NegotiationPost p) => Offer(p, propose: true);

    private static Task<IResult> Counter(NegotiationPost p) => Offer(p, propose: false);

    private static async Task<IResult> Offer(NegotiationPost p, bool propose)
    {
        var terms = Terms(p.Body, p.Fields, "proposed_terms", required: true);
        var message = p.Fields.String("message", maxLength: FieldReader.DescriptionMaxLength);
        var expiresAt = p.Fields.Timestamp("expires_at");
        p.Fields.ThrowIfInvalid();
        var offer = new NegotiationOffer(terms!, message, expiresAt);
        var result = propose ? await p.Grain.Propose(offer, p.Party) : await p.Grain.Counter(offer, p.Party);
        var data = ToData(result.Deal.Id, result.Negotiation);
        return propose ? ApiResults.Created(data, result.Deal.Version) : ApiResults.Ok(data, result.Deal.Version);
    }

    private static async Task<IResult> Accept(NegotiationPost p)
    {
        p.Fields.ThrowIfInvalid();
        var result = await p.Grain.Accept(p.Party);
        return ApiResults.Ok(ToData(result.Deal.Id, result.Negotiation) with { Deal = DealContract.Resource(result.Deal) }, result.Deal.Version);
    }

    private static async Task<IResult> Reject(NegotiationPost p)
    {
        var reason = p.Fields.String("reason", maxLength: FieldReader.DescriptionMaxLength);
        p.Fields.ThrowIfInvalid();
        var result = await p.Grain.Reject(reason, p.Party);
        return ApiResults.Ok(ToData(result.Deal.Id, result.Negotiation), result.Deal.Version);
    }

    private static async Task<IResult> Suggest(NegotiationPost p)
    {
        var current = Terms(p.Body, p.Fields, "current_terms", required: false);
        p.Fields.ThrowIfInvalid();
        var advice = await p.Grain.Suggest(current);
        return ApiResults.Ok(new NegotiationSuggestionsData(p.DealId,
            [.. advice.Suggestions.Select(s => new NegotiationSuggestionRecord(s.Strategy, JsonNode.Parse(s.TermsJson), s.Confidence, s.Rationale))],
            new NegotiationDataQuality(advice.ComparableDeals, advice.ConfidenceLevel, advice.WonDeals, advice.LostDeals,
                advice.AverageAcceptedDiscount, advice.AverageRoundsToClose)));
    }

    /// <summary>The history: the document's shape, plus whose turn it is and what may come next.</summary>
    public static NegotiationData ToData(string dealId, DealNegotiation? n) => new(dealId, n?.Id, n?.Status, n?.Rounds.Count ?? 0,
        n is { IsOpen: true } open ? NegotiationKeys.Other(open.Last.ProposedBy) : null, NegotiationKeys.NextActions(n?.Status), n?.EndedAt,
        n?.EndedBy, n?.RejectReason,
        [.. (n?.Rounds ?? []).Select(r => new NegotiationRoundRecord(r.Round, r.Type, r.ProposedBy, JsonNode.Parse(r.TermsJson), r.Message,
            r.ExpiresAt, r.CreatedAt))]);

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
