using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ApiHost.Api;
using ApiHost.Deals;

namespace ApiHost.Negotiations;

/// <summary>A deal's negotiation: the document's history shape, plus whose turn it is and what may come next.</summary>
public sealed record NegotiationData(
    string DealId, string? NegotiationId, string? Status, int TotalRounds, string? Awaiting, IReadOnlyList<string> NextActions,
    DateTimeOffset? EndedAt, string? EndedBy, string? RejectReason, IReadOnlyList<NegotiationRoundRecord> Rounds,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), Description("accept only: the deal with the accepted terms")]
    DealResource? Deal = null);

public sealed record NegotiationRoundRecord(int Round, string Type, string ProposedBy, JsonNode? ProposedTerms, string? Message,
    DateTimeOffset ExpiresAt, DateTimeOffset CreatedAt);

public sealed record NegotiationSuggestionsData(string DealId, IReadOnlyList<NegotiationSuggestionRecord> Suggestions, NegotiationDataQuality DataQuality);

public sealed record NegotiationSuggestionRecord(string Strategy, JsonNode? ProposedTerms, decimal Confidence, string Rationale);

public sealed record NegotiationDataQuality(int ComparableDeals, string ConfidenceLevel, int WonDeals, int LostDeals, decimal? AvgAcceptedDiscount,
    decimal? AvgRoundsToClose);

/// <summary>propose and counter: terms checked against <c>GET /v1/schema/deal-terms</c>.</summary>
public sealed record NegotiationOfferBody : IApiRequest
{
    [Required] public JsonObject? ProposedTerms { get; init; }
    [MaxLength(FieldReader.DescriptionMaxLength)] public string? Message { get; init; }
    [Description("When this round lapses; default from the deal's negotiation settings")] public DateTimeOffset? ExpiresAt { get; init; }
}

public sealed record NegotiationRejectBody : IApiRequest
{
    [MaxLength(FieldReader.DescriptionMaxLength)] public string? Reason { get; init; }
}

public sealed record NegotiationSuggestBody : IApiRequest
{
    [Description("The terms to improve on; default the latest round's")] public JsonObject? CurrentTerms { get; init; }
}
