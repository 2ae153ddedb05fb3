namespace Grains.Interfaces.Deals;

/// <summary>Negotiation vocabulary of the Salesbooth document (§Negotiations).</summary>
public static class NegotiationKeys
{
    public const string IdPrefix = "neg";

    public const string Proposed = "proposed";
    public const string CounterProposed = "counter_proposed";
    public const string Accepted = "accepted";
    public const string Rejected = "rejected";
    public const string Expired = "expired";

    public const string Propose = "propose";
    public const string Counter = "counter";
    public const string Accept = "accept";
    public const string Reject = "reject";
    public const string Suggest = "suggest";

    public static readonly IReadOnlyList<string> Actions = [Propose, Counter, Accept, Reject, Suggest];

    /// <summary>The two parties: an agent (any key without full access) and the merchant (a full-access key).</summary>
    public const string Agent = "agent";
    public const string Merchant = "merchant";

    public static readonly TimeSpan DefaultRoundLifetime = TimeSpan.FromDays(7);

    /// <summary>The latest a round may be set to expire.</summary>
    public static readonly TimeSpan MaxRoundLifetime = TimeSpan.FromDays(365);

    public static bool IsFinal(string status) => status is Accepted or Rejected or Expired;

    /// <summary>The document's table: what may follow each status (nothing yet: only propose).</summary>
    public static IReadOnlyList<string> NextActions(string? status) => status switch
    {
        null => [Propose],
        Proposed or CounterProposed => [Counter, Accept, Reject],
        _ => [],
    };

    public static string Other(string party) => party == Agent ? Merchant : Agent;
}

/// <param name="Type"><c>proposal</c> or <c>counter</c>.</param>
/// <param name="ProposedBy"><c>agent</c> or <c>merchant</c>.</param>
[GenerateSerializer, Immutable, Alias("deals.negotiation-round")]
public sealed record NegotiationRound(
    [property: Id(0)] int Round,
    [property: Id(1)] string Type,
    [property: Id(2)] string ProposedBy,
    [property: Id(3)] string ProposerKeyId,
    [property: Id(4)] string TermsJson,
    [property: Id(5)] string? Message,
    [property: Id(6)] DateTimeOffset ExpiresAt,
    [property: Id(7)] DateTimeOffset CreatedAt);

[GenerateSerializer, Immutable, Alias("deals.negotiation")]
public sealed record DealNegotiation(
    [property: Id(0)] string Id,
    [property: Id(1)] string DealId,
    [property: Id(2)] string Status,
    [property: Id(3)] IReadOnlyList<NegotiationRound> Rounds,
    [property: Id(4)] DateTimeOffset? EndedAt,
    [property: Id(5)] string? EndedBy,
    [property: Id(6)] string? RejectReason)
{
    public NegotiationRound Last => Rounds[^1];

    public bool IsOpen => !NegotiationKeys.IsFinal(Status);
}

/// <param name="Party"><c>agent</c> or <c>merchant</c>.</param>
[GenerateSerializer, Immutable, Alias("deals.negotiation-party")]
public sealed record NegotiationParty([property: Id(0)] string Party, [property: Id(1)] DealActor Actor);

/// <param name="ExpiresAt">Null: 7 days after the round.</param>
[GenerateSerializer, Immutable, Alias("deals.negotiation-offer")]
public sealed record NegotiationOffer(
    [property: Id(0)] string TermsJson,
    [property: Id(1)] string? Message,
    [property: Id(2)] DateTimeOffset? ExpiresAt);

[GenerateSerializer, Immutable, Alias("deals.negotiation-result")]
public sealed record DealNegotiationResult([property: Id(0)] DealNegotiation Negotiation, [property: Id(1)] DealView Deal);

[GenerateSerializer, Immutable, Alias("deals.negotiation-suggestion")]
public sealed record NegotiationSuggestion(
    [property: Id(0)] string Strategy,
    [property: Id(1)] string TermsJson,
    [property: Id(2)] decimal Confidence,
    [property: Id(3)] string Rationale);

/// <param name="ConfidenceLevel"><c>high</c>, <c>medium</c>, <c>low</c> or <c>insufficient</c> (fewer than 3 comparable deals).</param>
[GenerateSerializer, Immutable, Alias("deals.negotiation-advice")]
public sealed record NegotiationAdvice(
    [property: Id(0)] IReadOnlyList<NegotiationSuggestion> Suggestions,
    [property: Id(1)] int ComparableDeals,
    [property: Id(2)] string ConfidenceLevel,
    [property: Id(3)] int WonDeals,
    [property: Id(4)] int LostDeals,
    [property: Id(5)] decimal? AverageAcceptedDiscount,
    [property: Id(6)] decimal? AverageRoundsToClose);

/// <summary>What an accepted negotiation left on the deal (kept in the projection for the suggestion model).</summary>
[GenerateSerializer, Immutable, Alias("deals.negotiated")]
public sealed record DealNegotiated(
    [property: Id(0)] int Rounds,
    [property: Id(1)] decimal? DiscountPercent,
    [property: Id(2)] DateTimeOffset AcceptedAt);

/// <summary>
/// The negotiation side of a deal grain (same key and activation as <see cref="IDealGrain"/>). Turns alternate between
/// the agent and the merchant; each round expires by a reminder on the deal grain; accept applies the final terms to
/// the deal in the same write.
/// </summary>
public interface IDealNegotiationGrain : IGrainWithStringKey
{
    Task<DealNegotiationResult> Propose(NegotiationOffer offer, NegotiationParty party);

    Task<DealNegotiationResult> Counter(NegotiationOffer offer, NegotiationParty party);

    Task<DealNegotiationResult> Accept(NegotiationParty party);

    Task<DealNegotiationResult> Reject(string? reason, NegotiationParty party);

    /// <summary>Counter-offer suggestions from the tenant's closed and lost deals; <paramref name="currentTermsJson"/> null: the last round's.</summary>
    Task<NegotiationAdvice> Suggest(string? currentTermsJson);

    /// <summary>The negotiation (null when none was started).</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<DealNegotiation?> Negotiation();
}
