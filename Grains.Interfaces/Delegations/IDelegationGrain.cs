using Grains.Interfaces.Platform;
using Grains.Interfaces.Projections;

namespace Grains.Interfaces.Delegations;

/// <summary>
/// One delegation (key <c>{tenant}:{env}/del_...</c>): its grant, its children and its expiry reminder, with its spending
/// counters and reservations in memory, rebuilt from the delegation ledger on activation. Spending is checked and held
/// here, concurrent requests as one batch under the grain's gate, and up the chain: each link checks its own caps
/// before its parent is asked; the deal writes the ledger rows in its own transaction and then confirms the holds.
/// </summary>
public interface IDelegationGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the delegation (a child when <see cref="DelegationGrant.ParentId"/> is set: it never exceeds its parent). The
    /// grantor key must hold every allowed action itself (403 <c>authorization_error.delegation_exceeds_grantor</c>, checked
    /// against its key record) and, an agent key, be at trust level 2 (403 <c>authorization_error.trust_level_insufficient</c>).
    /// </summary>
    Task<DelegationView> Create(DelegationGrant grant);

    /// <summary>The delegation with its counters as of now; 404 when it does not exist.</summary>
    Task<DelegationView> Get();

    /// <summary>Narrows the grant; a change that widens it is 403 <c>authorization_error.delegation_widening</c> naming the fields.</summary>
    Task<DelegationView> Narrow(DelegationNarrowing changes, string callerKeyId, bool callerIsAdmin);

    /// <summary>Revokes it now and tells every child (which tell theirs).</summary>
    Task<DelegationView> Revoke(string callerKeyId, bool callerIsAdmin);

    /// <summary>
    /// Holds <see cref="DelegationSpend.Amount"/> for <see cref="DelegationSpend.ReservationId"/> on this link and every
    /// ancestor, in memory (idempotent by reservation id): the deal then writes the ledger rows in its own transaction
    /// and confirms (<see cref="Confirm"/>) or abandons (<see cref="Abandon"/>) the hold; one neither confirmed nor
    /// abandoned in time is checked against the ledger. Refusals: 403 when the delegation is not usable by the caller
    /// for the action, 429 <c>spending_limit_exceeded</c> when a cap of any link would be passed.
    /// </summary>
    Task<DelegationHold> Reserve(DelegationSpend spend);

    /// <summary>
    /// A child's batch of holds reaching this link: for each, the same checks of this link's own state and caps,
    /// then its parent's. Returns, in order, null for each one held and the refusal for each one refused. The
    /// confirmations the child gathered since it last told this link (<paramref name="confirmed"/>) ride along and are
    /// applied first, so they need no call of their own and no hold of theirs lapses in this batch.
    /// </summary>
    Task<DomainException?[]> ReserveForChildren(IReadOnlyList<ChildReservation> reservations, IReadOnlyList<string> confirmed);

    /// <summary>
    /// The deal's change with its ledger rows is written: the hold counts as reserved here; the ancestors are told in
    /// batches (<see cref="ConfirmForChildren"/>) without the deal waiting for them.
    /// </summary>
    Task Confirm(DelegationNotice notice);
    /// <summary>
    /// A child's batch of confirmations reaching this link: each hold counts as reserved here, then the parent is told.
    /// One-way: nobody waits for it, and one that never arrives leaves the hold to lapse and be decided by the ledger.
    /// </summary>
    [Orleans.Concurrency.OneWay]
    Task ConfirmForChildren(IReadOnlyList<string> reservationIds);

    /// <summary>The deal's change failed: the hold is dropped here and up the chain, unless the ledger shows the change landed.</summary>
    Task Abandon(string reservationId);

    /// <summary>Drops a reservation (the deal was cancelled; its release row is written) here and up the chain.</summary>
    Task Release(DelegationNotice notice);

    /// <summary>Turns a reservation into spending (the deal closed; its settle row is written) here and up the chain.</summary>
    Task Settle(DelegationNotice notice);

    /// <summary>
    /// A proposed value under the delegation (a negotiation offer by its grantee): 403 <c>DELEGATION_BUDGET_EXCEEDED</c>
    /// with <c>details.remaining_budget</c> when it is above what this link and every ancestor could still reserve for
    /// the deal (<see cref="DelegationSpend.ReservationId"/>; what the deal already holds counts as available). Nothing is reserved.
    /// </summary>
    Task CheckBudget(DelegationSpend spend);

    /// <summary>What the deal could reserve now on this link and up the chain (null: no cap limits it).</summary>
    Task<decimal?> RemainingBudget(string reservationId, string action);

    /// <summary>
    /// The grantor (or an admin key) approves or rejects the pending approval of a deal; the deal is told. Returns the
    /// delegation (its <see cref="DelegationView.Approvals"/> hold the decision), the record a keyed retry replays.
    /// </summary>
    Task<DelegationView> Decide(DelegationDecision decision);

    /// <summary>The activity under the delegation, newest first.</summary>
    Task<DelegationActivityPage> Activity(DelegationActivityQuery query);

    Task<DelegationAnalytics> Analytics();

    /// <summary>Registers a child so that revocation and expiry reach it.</summary>
    Task AdoptChild(string childId);

    /// <summary>An ancestor ended (revoked or expired): this link ends with it and tells its own children.</summary>
    [Orleans.Concurrency.OneWay]
    Task AncestorEnded(DelegationEnd end);
}

/// <summary>Lists a partition's delegations from the projection; stateless, keyed by partition.</summary>
public interface IDelegationDirectoryGrain : IGrainWithStringKey
{
    /// <summary>The partition's delegations, unfiltered by grantor (for callers that already hold the right, e.g. <see cref="Own"/>).</summary>
    Task<ListPage<DelegationView>> List(ListQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// The delegations <paramref name="keyId"/> granted, or the partition's for an admin key: the grantor filter is the
    /// directory's rule, whatever <c>grantor_key_id</c> the query carries for a non-admin key.
    /// </summary>
    Task<ListPage<DelegationView>> ListGranted(ListQuery query, string keyId, bool admin, CancellationToken cancellationToken = default);

    /// <summary><c>action=summary</c>: the active delegations the key granted (an admin key: the partition's) and their budget use.</summary>
    Task<DelegationSummary> Summary(string keyId, bool admin, CancellationToken cancellationToken = default);

    /// <summary><c>action=pending</c>: the delegations the key granted (an admin key: the partition's) with approvals waiting, newest first.</summary>
    Task<ListPage<DelegationView>> PendingApprovals(string keyId, bool admin, int limit, int offset, CancellationToken cancellationToken = default);

    /// <summary>
    /// A key's own delegation (<c>action=check</c>): the one named by <paramref name="delegationId"/> when it is granted to
    /// the key, else (none named) the newest active one granted to it; 404 when there is none.
    /// </summary>
    Task<DelegationView> Own(string keyId, string? delegationId);

    /// <summary>
    /// The partition's delegation proposal rounds (filters: <c>target_key_id</c>, <c>proposer_key_id</c>). With status
    /// <c>pending</c>, a round past its <c>expires_at</c> (its reminder not run yet) is left out of the page and the total.
    /// </summary>
    Task<ListPage<DelegationProposalView>> ListProposals(ListQuery query, CancellationToken cancellationToken = default);
}

/// <summary>
/// Active delegations, their pending approvals, and spent + reserved against the summed daily and monthly caps of the
/// capped ones, in whole percent (null when none is capped).
/// </summary>
[GenerateSerializer, Immutable, Alias("delegations.summary")]
public sealed record DelegationSummary(
    [property: Id(0)] int ActiveCount,
    [property: Id(1)] int PendingApprovals,
    [property: Id(2)] int? DailyBudgetUsedPct,
    [property: Id(3)] int? MonthlyBudgetUsedPct)
{
    public static DelegationSummary Of(IReadOnlyList<DelegationView> active, DateTimeOffset now)
    {
        var counters = active.Select(d => (d.Limits, Counters: d.Counters.At(now))).ToList();
        int? Used(Func<DelegationLimits, decimal?> cap, Func<DelegationCounters, decimal> used)
        {
            var capped = counters.Where(c => cap(c.Limits) is > 0).ToList();
            return capped.Count == 0 ? null : (int)Math.Round(capped.Sum(c => used(c.Counters)) / capped.Sum(c => cap(c.Limits)!.Value) * 100);
        }
        return new DelegationSummary(active.Count, active.Sum(d => d.PendingApprovalsCount), Used(l => l.Daily, c => c.UsedToday),
            Used(l => l.Monthly, c => c.UsedThisMonth));
    }
}

/// <summary>Caps; null is "no cap".</summary>
[GenerateSerializer, Immutable, Alias("delegations.limits")]
public sealed record DelegationLimits(
    [property: Id(0)] decimal? PerTransaction,
    [property: Id(1)] decimal? Daily,
    [property: Id(2)] decimal? Monthly);

/// <summary>A new delegation as the API read it (the grain checks its actions against the grantor key's own scopes).</summary>
[GenerateSerializer, Immutable, Alias("delegations.grant")]
public sealed record DelegationGrant
{
    [Id(0)] public required string GrantorKeyId { get; init; }
    [Id(2)] public required string GranteeKeyId { get; init; }
    [Id(3)] public required IReadOnlyList<string> AllowedActions { get; init; }
    [Id(4)] public required DelegationLimits Limits { get; init; }
    [Id(5)] public DateTimeOffset? ExpiresAt { get; init; }
    [Id(6)] public string? Description { get; init; }
    [Id(7)] public decimal? ApprovalThreshold { get; init; }
    [Id(8)] public string? ApprovalStepsJson { get; init; }
    [Id(9)] public int? ApprovalTimeoutHours { get; init; }
    [Id(10)] public string? AutoApprovePolicyJson { get; init; }
    [Id(11)] public int? AlertThresholdPct { get; init; }
    [Id(12)] public bool SigningAuthorityAcknowledged { get; init; }
    /// <summary>The delegation the grantor acts under (its <c>X-Delegation-ID</c>): the new one is its child.</summary>
    [Id(13)] public string? ParentId { get; init; }
    /// <summary>The grantee key's environment; it must be the delegation's.</summary>
    [Id(14)] public string? GranteeEnvironment { get; init; }
}

/// <summary>A PUT: given fields only (<see cref="Given"/> names them, so an explicit null, "no cap", is a widening).</summary>
[GenerateSerializer, Immutable, Alias("delegations.narrowing")]
public sealed record DelegationNarrowing
{
    [Id(0)] public IReadOnlyList<string>? AllowedActions { get; init; }
    [Id(1)] public decimal? MaxTransactionAmount { get; init; }
    [Id(2)] public decimal? MaxDailyAmount { get; init; }
    [Id(3)] public decimal? MaxMonthlyAmount { get; init; }
    [Id(4)] public DateTimeOffset? ExpiresAt { get; init; }
    [Id(5)] public string? Description { get; init; }
    [Id(6)] public IReadOnlyList<string> Given { get; init; } = [];
}

/// <summary>A request that spends under a delegation: who, for which action, how much, and the id the reservation is kept under.</summary>
[GenerateSerializer, Immutable, Alias("delegations.spend")]
public sealed record DelegationSpend(
    [property: Id(0)] string CallerKeyId,
    [property: Id(1)] string Action,
    [property: Id(2)] decimal Amount,
    [property: Id(3)] string ReservationId);

/// <summary>
/// A held deal: the links it is held on (the named one first, then its ancestors up to the root), whether its
/// amount waits for the grantor's approval, and when it was held (the day and month it counts in: its ledger rows' time).
/// </summary>
[GenerateSerializer, Immutable, Alias("delegations.hold")]
public sealed record DelegationHold(
    [property: Id(0)] IReadOnlyList<string> Links,
    [property: Id(1)] bool AwaitingApproval,
    [property: Id(2)] DateTimeOffset HeldAt);

/// <summary>
/// A deal's ledger rows were written (<paramref name="EntryId"/>: their id, the activity entry's); <paramref name="Direct"/>
/// on the link the request named, false as it is passed up the chain.
/// </summary>
[GenerateSerializer, Immutable, Alias("delegations.notice")]
public sealed record DelegationNotice(
    [property: Id(0)] string ReservationId,
    [property: Id(1)] string EntryId,
    [property: Id(2)] bool Direct = true);

/// <summary>A reservation a child link passes up to its parent.</summary>
[GenerateSerializer, Immutable, Alias("delegations.child-reservation")]
public sealed record ChildReservation(
    [property: Id(0)] string ReservationId,
    [property: Id(1)] decimal Amount,
    [property: Id(2)] string Action);

/// <summary>How a link ended: <c>revoked</c> or <c>expired</c>, when, and which delegation of the chain ended first.</summary>
[GenerateSerializer, Immutable, Alias("delegations.end")]
public sealed record DelegationEnd(
    [property: Id(0)] string Status,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string EndedBy);

/// <summary>
/// Spending in the current UTC day and month (a counter from an earlier window reads as zero), and whether the window's
/// <c>alert_threshold_pct</c> warning was sent.
/// </summary>
[GenerateSerializer, Immutable, Alias("delegations.counters")]
public sealed record DelegationCounters(
    [property: Id(0)] DateOnly Day,
    [property: Id(1)] decimal SpentToday,
    [property: Id(2)] decimal ReservedToday,
    [property: Id(3)] int Month,
    [property: Id(4)] decimal SpentThisMonth,
    [property: Id(5)] decimal ReservedThisMonth,
    [property: Id(6)] bool WarnedToday = false,
    [property: Id(7)] bool WarnedThisMonth = false)
{
    public static DelegationCounters Empty(DateTimeOffset now) => new(DateOnly.FromDateTime(now.UtcDateTime), 0, 0, MonthOf(now), 0, 0);

    /// <summary><c>yyyy*12+month</c> of a UTC instant.</summary>
    public static int MonthOf(DateTimeOffset at) => at.UtcDateTime.Year * 12 + at.UtcDateTime.Month;

    /// <summary>The counters as of <paramref name="now"/>: a window that has passed starts again from zero.</summary>
    public DelegationCounters At(DateTimeOffset now)
    {
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        var month = MonthOf(now);
        var next = this;
        if (next.Month != month)
        {
            next = next with { Month = month, SpentThisMonth = 0, ReservedThisMonth = 0, WarnedThisMonth = false };
        }
        if (next.Day != day)
        {
            next = next with { Day = day, SpentToday = 0, ReservedToday = 0, WarnedToday = false };
        }
        return next;
    }

    public decimal UsedToday => SpentToday + ReservedToday;

    public decimal UsedThisMonth => SpentThisMonth + ReservedThisMonth;
}

/// <summary>A delegation as stored and shown.</summary>
[GenerateSerializer, Immutable, Alias("delegations.view")]
public sealed record DelegationView
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string TenantId { get; init; }
    [Id(2)] public required string GrantorKeyId { get; init; }
    [Id(3)] public required string GranteeKeyId { get; init; }
    [Id(4)] public string? Description { get; init; }
    [Id(5)] public required DelegationLimits Limits { get; init; }
    [Id(6)] public required IReadOnlyList<string> AllowedActions { get; init; }
    /// <summary>The ancestors, root first (empty for a root delegation).</summary>
    [Id(7)] public IReadOnlyList<string> Chain { get; init; } = [];
    [Id(8)] public DateTimeOffset? ExpiresAt { get; init; }
    [Id(9)] public DateTimeOffset? RevokedAt { get; init; }
    /// <summary>Set when this link or an ancestor ended (revoked or expired); the delegation is unusable from then on.</summary>
    [Id(10)] public DelegationEnd? Ended { get; init; }
    [Id(11)] public required DelegationCounters Counters { get; init; }
    [Id(12)] public decimal? ApprovalThreshold { get; init; }
    [Id(13)] public string? ApprovalStepsJson { get; init; }
    [Id(14)] public int? ApprovalTimeoutHours { get; init; }
    [Id(15)] public string? AutoApprovePolicyJson { get; init; }
    [Id(16)] public int? AlertThresholdPct { get; init; }
    [Id(17)] public bool SigningAuthorityAcknowledged { get; init; }
    [Id(18)] public long Version { get; init; }
    [Id(19)] public DateTimeOffset CreatedAt { get; init; }
    [Id(20)] public DateTimeOffset UpdatedAt { get; init; }
    /// <summary>Pending approvals and the newest decided ones (<see cref="DelegationApprovals.DecidedKept"/>).</summary>
    [Id(21)] public IReadOnlyList<DelegationApproval> Approvals { get; init; } = [];

    public int PendingApprovalsCount => Approvals.Count(a => a.IsPending);

    /// <summary><c>active</c>, <c>revoked</c> or <c>expired</c> at <paramref name="now"/> (an expiry applies at its instant, reminder or not).</summary>
    public string StatusAt(DateTimeOffset now) =>
        Ended?.Status ?? (ExpiresAt is { } expires && now >= expires ? DelegationKeys.Expired : DelegationKeys.Active);
}

public static class DelegationKeys
{
    public const string IdPrefix = "del";
    public const string ResourceType = "delegation";
    public const string Header = "X-Delegation-ID";

    public const string Active = "active";
    public const string Revoked = "revoked";
    public const string Expired = "expired";

    public static readonly IReadOnlyList<string> Statuses = [Active, Revoked, Expired];

    /// <summary>The actions a delegation may allow (the document's list).</summary>
    public static readonly IReadOnlyList<string> Actions =
        ["deals:read", "deals:write", "agent:negotiate", "deals:sign", "customers:read", "customers:write"];

    /// <summary>The action that is signing authority (needs <c>signing_authority_acknowledged</c>).</summary>
    public const string SignAction = "deals:sign";

    public const string SigningUnacknowledged = "signing_authority_acknowledged must be true when allowed_actions includes deals:sign";

    /// <summary>Signing authority is granted only acknowledged (the API's field check and the grain's rule alike).</summary>
    public static bool SigningUnacknowledgedIn(IReadOnlyList<string>? actions, bool acknowledged) =>
        actions is not null && actions.Contains(SignAction) && !acknowledged;

    public const int MaxApprovalTimeoutHours = 720;
    public const int DescriptionMaxLength = 500;

    public static string Grain(string partition, string delegationId) => $"{partition}/{delegationId}";

    /// <summary>
    /// Whether <paramref name="granted"/> covers <paramref name="action"/>: granted itself, or a scope within a granted
    /// proposal verb (<see cref="DelegationProposals.Verbs"/>), or a verb all of whose scopes are covered.
    /// </summary>
    public static bool Covers(IReadOnlyList<string> granted, string action) =>
        granted.Contains(action) || (DelegationProposals.Verbs.TryGetValue(action, out var scopes)
            ? scopes.All(scope => ScopeCovered(granted, scope))
            : ScopeCovered(granted, action));

    private static bool ScopeCovered(IReadOnlyList<string> granted, string scope) =>
        granted.Contains(scope) || granted.Any(g => DelegationProposals.Verbs.TryGetValue(g, out var covered) && covered.Contains(scope));
}
