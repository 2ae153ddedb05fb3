namespace Grains.Interfaces.Platform;

/// <summary>
/// 429 <c>spending_limit_exceeded</c>: which cap of which link refused (<c>transaction</c>, <c>daily</c>, <c>monthly</c>),
/// the attempted amount, what is left today and this month on that link (null: no cap), and the seconds until the
/// refusing window resets (00:00 UTC for a day, the 1st for a month; a per-transaction cap does not reset: 86400 as the document shows).
/// </summary>
[GenerateSerializer, Immutable, Alias("errors.spending-limit")]
public sealed record SpendingLimitDetails(
    [property: Id(0)] string DelegationId,
    [property: Id(1)] string Limit,
    [property: Id(2)] decimal AttemptedAmount,
    [property: Id(3)] decimal? RemainingDaily,
    [property: Id(4)] decimal? RemainingMonthly,
    [property: Id(5)] decimal? TransactionCap,
    [property: Id(6)] int RetryAfterSeconds) : DomainErrorDetails;

/// <summary>403 for a delegation that cannot be used: its id, status (<c>revoked</c>, <c>expired</c>, <c>active</c>) and the link that ended it.</summary>
[GenerateSerializer, Immutable, Alias("errors.delegation-state")]
public sealed record DelegationStateDetails(
    [property: Id(0)] string DelegationId,
    [property: Id(1)] string Status,
    [property: Id(2)] string? EndedBy = null) : DomainErrorDetails;

/// <summary>403 for a grant beyond what its grantor or parent holds, or a PUT that would widen it: the offending fields.</summary>
[GenerateSerializer, Immutable, Alias("errors.delegation-fields")]
public sealed record DelegationFieldsDetails([property: Id(0)] IReadOnlyList<string> Fields) : DomainErrorDetails;

/// <summary>
/// 403 <c>authorization_error.delegation_exceeds_grantor</c>: the request field (<c>allowed_actions</c> or
/// <c>proposed_actions</c>) and the actions in it the grantor key does not hold itself.
/// </summary>
[GenerateSerializer, Immutable, Alias("errors.delegation-grantor")]
public sealed record DelegationGrantorDetails(
    [property: Id(0)] IReadOnlyList<string> Fields,
    [property: Id(1)] IReadOnlyList<string> Actions) : DomainErrorDetails;

/// <summary>
/// 403 <c>DELEGATION_BUDGET_EXCEEDED</c>: a proposed deal value (a negotiation offer under the delegation) above what the
/// chain could still reserve for the deal: the least per-transaction cap, daily and monthly remainder of every link.
/// </summary>
[GenerateSerializer, Immutable, Alias("errors.delegation-budget")]
public sealed record DelegationBudgetDetails(
    [property: Id(0)] string DelegationId,
    [property: Id(1)] decimal RemainingBudget,
    [property: Id(2)] decimal AttemptedAmount) : DomainErrorDetails;

/// <summary>A delegation proposal round that cannot be answered as asked: its id and status (<c>pending</c>, <c>accepted</c>, ...).</summary>
[GenerateSerializer, Immutable, Alias("errors.delegation-proposal-state")]
public sealed record DelegationProposalStateDetails(
    [property: Id(0)] string ProposalId,
    [property: Id(1)] string Status) : DomainErrorDetails;
