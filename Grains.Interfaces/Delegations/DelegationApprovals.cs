namespace Grains.Interfaces.Delegations;

/// <summary>
/// A transaction above the delegation's <c>approval_threshold</c>, held for its grantor's decision. It is kept by the
/// deal it holds (<see cref="DealId"/>, which is also the reservation id): the amount stays reserved while it is
/// pending, is released when it is rejected or expires (<c>approval_timeout</c> hours after the request; 0 or none:
/// it waits for a decision), and stays reserved when it is approved.
/// </summary>
[GenerateSerializer, Immutable, Alias("delegations.approval")]
public sealed record DelegationApproval(
    [property: Id(0)] string DealId,
    [property: Id(1)] decimal Amount,
    [property: Id(2)] string Action,
    [property: Id(3)] string Status,
    [property: Id(4)] DateTimeOffset RequestedAt,
    [property: Id(5)] DateTimeOffset? ExpiresAt,
    [property: Id(6)] DateTimeOffset? DecidedAt = null,
    [property: Id(7)] string? DecidedBy = null,
    [property: Id(8)] string? Note = null)
{
    public bool IsPending => Status == DelegationApprovals.Pending;
}

/// <summary>The grantor's answer to a pending approval (<c>action=approve|reject</c>).</summary>
[GenerateSerializer, Immutable, Alias("delegations.decision")]
public sealed record DelegationDecision(
    [property: Id(0)] string DealId,
    [property: Id(1)] bool Approve,
    [property: Id(2)] string? Note,
    [property: Id(3)] string CallerKeyId,
    [property: Id(4)] bool CallerIsAdmin);

/// <summary>One thing done under a delegation (<c>action=activity</c>): reserved, raised, settled, released, approved...</summary>
[GenerateSerializer, Immutable, Alias("delegations.activity")]
public sealed record DelegationActivity(
    [property: Id(0)] string Id,
    [property: Id(1)] string ActionType,
    [property: Id(2)] string EntityType,
    [property: Id(3)] string EntityId,
    [property: Id(4)] decimal? Amount,
    [property: Id(5)] DateTimeOffset OccurredAt);

/// <summary>Filters of <c>action=activity</c> (dates inclusive; a date-only <c>to_date</c> covers its whole day).</summary>
[GenerateSerializer, Immutable, Alias("delegations.activity-query")]
public sealed record DelegationActivityQuery(
    [property: Id(0)] DateTimeOffset? From,
    [property: Id(1)] DateTimeOffset? To,
    [property: Id(2)] string? ActionType,
    [property: Id(3)] string? EntityType,
    [property: Id(4)] int Limit,
    [property: Id(5)] int Offset);

[GenerateSerializer, Immutable, Alias("delegations.activity-page")]
public sealed record DelegationActivityPage([property: Id(0)] IReadOnlyList<DelegationActivity> Events, [property: Id(1)] int Total);

/// <summary>
/// <c>action=analytics</c>: deals created under the delegation, what was spent (settled), deals by their last known
/// state under it, and settled spending per UTC day over the last 30 days.
/// </summary>
[GenerateSerializer, Immutable, Alias("delegations.analytics")]
public sealed record DelegationAnalytics(
    [property: Id(0)] string DelegationId,
    [property: Id(1)] int TotalDealsCreated,
    [property: Id(2)] decimal TotalSpent,
    [property: Id(3)] IReadOnlyDictionary<string, int> DealsByStatus,
    [property: Id(4)] IReadOnlyList<DelegationDailySpend> SpendingChart,
    [property: Id(5)] decimal AverageDealValue);

[GenerateSerializer, Immutable, Alias("delegations.daily-spend")]
public sealed record DelegationDailySpend([property: Id(0)] DateOnly Date, [property: Id(1)] decimal Amount);

public static class DelegationApprovals
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string Expired = "expired";

    /// <summary>Decided approvals kept on the delegation (newest) next to the pending ones.</summary>
    public const int DecidedKept = 20;

    /// <summary>Activity entries kept per delegation (newest).</summary>
    public const int ActivityKept = 200;

    /// <summary>The activity <c>action_type</c> values.</summary>
    public static readonly IReadOnlyList<string> ActivityTypes =
        ["deal_created", "deal_updated", "deal_signed", "deal_negotiated", "deal_closed", "deal_cancelled",
         "approval_requested", "approval_approved", "approval_rejected", "approval_expired"];
}
