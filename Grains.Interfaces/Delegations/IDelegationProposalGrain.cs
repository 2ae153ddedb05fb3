namespace Grains.Interfaces.Delegations;

/// <summary>
/// One round of a delegation proposal (key <c>{tenant}:{env}/dprop_...</c>). The proposer of the first round offers to
/// delegate to its target; the target accepts (an active delegation from the proposer to the target is made from the
/// round's terms), rejects, or counters with a subset of the terms, which opens the next round (a new <c>dprop_</c>
/// addressed back to the other party, <see cref="DelegationProposalView.PreviousProposalId"/> naming this one). A round
/// not answered by its <c>expires_at</c> expires (a reminder).
/// </summary>
public interface IDelegationProposalGrain : IGrainWithStringKey
{
    /// <summary>
    /// Makes the first round. The proposer (the grantor) must hold every proposed action (a verb as its agent scope; 403
    /// <c>authorization_error.delegation_exceeds_grantor</c>) and, an agent key, be at trust level 2.
    /// </summary>
    Task<DelegationProposalView> Propose(DelegationProposalInput input);

    /// <summary>The round for its proposer, its target or an admin key; 404 for any other key.</summary>
    Task<DelegationProposalView> Read(string callerKeyId, bool callerIsAdmin);

    /// <summary>The target accepts: the delegation is made (from the first round's proposer to its target) and the round is accepted.</summary>
    Task<DelegationProposalAcceptance> Accept(string callerKeyId);

    /// <summary>The target rejects; no delegation is made.</summary>
    Task<DelegationProposalView> Reject(string callerKeyId, string? reason);

    /// <summary>The target counters with a subset of the terms: this round is countered and the next one returned.</summary>
    Task<DelegationProposalView> Counter(string callerKeyId, DelegationProposalTerms terms, string? message);

    /// <summary>Opens a counter's round from what the countered round prepared (idempotent: an open round is returned as it is).</summary>
    Task<DelegationProposalView> Open(DelegationProposalView round);
}

/// <summary>The terms of a round: actions, caps (null: none) and the delegation's duration in hours from acceptance.</summary>
[GenerateSerializer, Immutable, Alias("delegations.proposal-terms")]
public sealed record DelegationProposalTerms(
    [property: Id(0)] IReadOnlyList<string> Actions,
    [property: Id(1)] DelegationLimits Limits,
    [property: Id(2)] int DurationHours);

/// <summary>A first round as the API read it.</summary>
[GenerateSerializer, Immutable, Alias("delegations.proposal-input")]
public sealed record DelegationProposalInput(
    [property: Id(0)] string ProposerKeyId,
    [property: Id(1)] string TargetKeyId,
    [property: Id(2)] DelegationProposalTerms Terms,
    [property: Id(3)] string? Message);

/// <summary>One round as stored and shown.</summary>
[GenerateSerializer, Immutable, Alias("delegations.proposal")]
public sealed record DelegationProposalView
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string ProposerKeyId { get; init; }
    [Id(2)] public required string TargetKeyId { get; init; }
    /// <summary>Who the delegation would be from and to: the first round's proposer and target, whichever round is accepted.</summary>
    [Id(3)] public required string GrantorKeyId { get; init; }
    [Id(4)] public required string GranteeKeyId { get; init; }
    [Id(5)] public required DelegationProposalTerms Terms { get; init; }
    [Id(6)] public string? Message { get; init; }
    [Id(7)] public int Round { get; init; } = 1;
    [Id(8)] public string? PreviousProposalId { get; init; }
    /// <summary><c>pending</c>, <c>accepted</c>, <c>rejected</c>, <c>countered</c> or <c>expired</c> as stored (see <see cref="StatusAt"/>).</summary>
    [Id(9)] public string Status { get; init; } = DelegationProposals.Pending;
    [Id(10)] public DateTimeOffset ExpiresAt { get; init; }
    [Id(11)] public DateTimeOffset CreatedAt { get; init; }
    [Id(12)] public DateTimeOffset? ResolvedAt { get; init; }
    [Id(13)] public string? Reason { get; init; }
    /// <summary>The delegation made when this round was accepted.</summary>
    [Id(14)] public string? DelegationId { get; init; }
    /// <summary>The round that countered this one.</summary>
    [Id(15)] public string? NextProposalId { get; init; }
    /// <summary>The earlier rounds, oldest first (as they were when countered).</summary>
    [Id(16)] public IReadOnlyList<DelegationProposalRound> History { get; init; } = [];
    [Id(17)] public long Version { get; init; }

    /// <summary>The status at <paramref name="now"/>: a pending round is expired from its <c>expires_at</c>, reminder or not.</summary>
    public string StatusAt(DateTimeOffset now) =>
        Status == DelegationProposals.Pending && now >= ExpiresAt ? DelegationProposals.Expired : Status;
}

/// <summary>An earlier round in a proposal's history.</summary>
[GenerateSerializer, Immutable, Alias("delegations.proposal-round")]
public sealed record DelegationProposalRound(
    [property: Id(0)] string Id,
    [property: Id(1)] int Round,
    [property: Id(2)] string ProposerKeyId,
    [property: Id(3)] DelegationProposalTerms Terms,
    [property: Id(4)] string? Message,
    [property: Id(5)] DateTimeOffset CreatedAt);

/// <summary>An accepted round and the delegation made from it.</summary>
[GenerateSerializer, Immutable, Alias("delegations.proposal-acceptance")]
public sealed record DelegationProposalAcceptance(
    [property: Id(0)] DelegationProposalView Proposal,
    [property: Id(1)] DelegationView Delegation);

public static class DelegationProposals
{
    public const string IdPrefix = "dprop";
    public const string ResourceType = "delegation_proposal";

    public const string Pending = "pending";
    public const string Accepted = "accepted";
    public const string Rejected = "rejected";
    public const string Countered = "countered";
    public const string Expired = "expired";

    public static readonly IReadOnlyList<string> Statuses = [Pending, Accepted, Rejected, Countered, Expired];

    /// <summary>The default delegation duration (from acceptance): a week.</summary>
    public const int DefaultDurationHours = 168;

    /// <summary>The longest delegation a proposal may ask for: a year.</summary>
    public const int MaxDurationHours = 8760;

    /// <summary>How long a round waits for an answer (the document's examples: <c>expires_at</c> is 7 days after <c>created_at</c>).</summary>
    public static readonly TimeSpan AnswerWindow = TimeSpan.FromDays(7);

    public const int MessageMaxLength = 500;

    /// <summary>
    /// The agent verbs a proposal may use besides the delegation scopes (the document's examples: <c>discover</c>,
    /// <c>negotiate</c>). Each is the agent scope of its name (<c>agent:discover</c>...), which the proposer must hold,
    /// and covers these delegation actions when a delegation made from it is used.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Verbs = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        ["discover"] = ["deals:read", "customers:read"],
        ["negotiate"] = ["deals:read", "agent:negotiate"],
        ["execute"] = ["deals:read", "deals:write"],
    };

    /// <summary>What a proposal may offer: the verbs and the delegation scopes except signing (which needs an explicit acknowledgement).</summary>
    public static readonly IReadOnlyList<string> Actions =
        [.. Verbs.Keys, .. DelegationKeys.Actions.Where(a => a != DelegationKeys.SignAction)];

    /// <summary>The API key scope the proposer must hold to offer <paramref name="action"/>.</summary>
    public static string ScopeOf(string action) => Verbs.ContainsKey(action) ? $"agent:{action}" : action;

    public static string Grain(string partition, string proposalId) => $"{partition}/{proposalId}";
}
