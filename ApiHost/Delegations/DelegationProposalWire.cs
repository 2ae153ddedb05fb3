using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using ApiHost.Api;
using Grains.Interfaces.Delegations;

namespace ApiHost.Delegations;

/// <summary>
/// One round of a delegation proposal as the document shows it, plus who the delegation would be from and to (the
/// first round's proposer and target), the round that countered it and the earlier rounds.
/// </summary>
public sealed record DelegationProposalResource(
    string Id, string Status, string ProposerApiKeyId, string TargetApiKeyId,
    [property: Description("The key the delegation would be from (the first round's proposer)")] string GrantorKeyId,
    [property: Description("The key the delegation would be to (the first round's target)")] string GranteeAgentKeyId,
    string? PreviousProposalId, string? NextProposalId, IReadOnlyList<string> ProposedActions, ProposedSpendingLimits ProposedSpendingLimits,
    int ProposedDurationHours, string? Message, int Round, DateTimeOffset ExpiresAt, DateTimeOffset CreatedAt, DateTimeOffset? ResolvedAt,
    [property: Description("The rejection reason")] string? Reason, [property: Description("The delegation made on acceptance")] string? DelegationId,
    [property: Description("The earlier rounds, oldest first")] IReadOnlyList<DelegationProposalRoundRecord> History);

/// <summary>The proposed caps; a cap not proposed is left out (no cap).</summary>
public sealed record ProposedSpendingLimits(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? MaxTransactionAmount,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? MaxDailyAmount,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? MaxMonthlyAmount);

public sealed record DelegationProposalRoundRecord(string Id, int Round, string ProposerApiKeyId, IReadOnlyList<string> ProposedActions,
    ProposedSpendingLimits ProposedSpendingLimits, int ProposedDurationHours, string? Message, DateTimeOffset CreatedAt);

public sealed record DelegationProposalList(IReadOnlyList<DelegationProposalResource> Proposals, Pagination Pagination);

public sealed record DelegationProposalAcceptanceData(DelegationProposalResource Proposal, AcceptedDelegation Delegation);

/// <summary>The delegation an acceptance made (<c>GET /v1/delegations?id=</c> shows all of it).</summary>
public sealed record AcceptedDelegation(string Id, string Status, IReadOnlyList<string> AllowedActions, string GrantorId, string GranteeAgentKeyId,
    DateTimeOffset? ExpiresAt);

/// <summary>The terms of a counter-proposal: each within the countered round's (a cap not given keeps that round's).</summary>
public record DelegationCounterBody : IApiRequest
{
    [Required, MinLength(1), Description("discover, negotiate, execute or delegation scopes (not deals:sign); a counter: a subset of the round's")]
    public IReadOnlyList<string>? ProposedActions { get; init; }
    [Range(0, 1_000_000_000_000)] public decimal? MaxTransactionAmount { get; init; }
    [Range(0, 1_000_000_000_000)] public decimal? MaxDailyAmount { get; init; }
    [Range(0, 1_000_000_000_000)] public decimal? MaxMonthlyAmount { get; init; }
    [Range(1, DelegationProposals.MaxDurationHours), Description("The delegation's duration from acceptance (default 168)")]
    public int? ProposedDurationHours { get; init; }
    [MaxLength(DelegationProposals.MessageMaxLength)] public string? Message { get; init; }
}

/// <summary>A proposal to delegate to <c>target_api_key_id</c> (the proposer is the grantor).</summary>
public sealed record DelegationProposalBody : DelegationCounterBody
{
    [Required, MaxLength(64)] public string? TargetApiKeyId { get; init; }
}

public sealed record DelegationProposalRejectBody : IApiRequest
{
    [MaxLength(2000), Description("Sent back to the proposer")] public string? Reason { get; init; }
}
