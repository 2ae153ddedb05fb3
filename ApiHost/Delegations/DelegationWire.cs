using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ApiHost.Api;
using Grains.Interfaces.Delegations;

namespace ApiHost.Delegations;

/// <summary>A delegation as the create example shows it: amounts are decimal strings (USD), null where there is no cap.</summary>
public sealed record DelegationResource(
    string DelegationId, string TenantId, string GrantorType, string GrantorId, string GranteeAgentKeyId, string? Description, string Status,
    string? MaxTransactionAmount, string? MaxDailyAmount, string? MaxMonthlyAmount, string? SpentToday, string? SpentThisMonth,
    string? ReservedToday, string? ReservedThisMonth, string? AvailableToday, string? AvailableThisMonth, IReadOnlyList<string> AllowedActions,
    IReadOnlyList<string> DelegationChain, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, string? EndedBy, DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt, string? ApprovalThreshold, JsonNode? ApprovalSteps, int? ApprovalTimeout, JsonNode? AutoApprovePolicy,
    int? AlertThresholdPct, IReadOnlyList<DelegationApprovalRecord> Approvals);

public sealed record DelegationList(IReadOnlyList<DelegationResource> Delegations, Pagination Pagination);

public sealed record DelegationApprovalRecord(string DealId, decimal Amount, string Action, string Status, DateTimeOffset RequestedAt,
    DateTimeOffset? ExpiresAt, DateTimeOffset? DecidedAt, string? DecidedBy, string? Note);

/// <summary><c>action=verify</c> (and <c>action=check</c>, which leaves out status and grantee): validity and spending as numbers.</summary>
public sealed record DelegationVerification(
    string DelegationId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), Description("verify only")] string? Status,
    bool Valid, IReadOnlyList<string> AllowedActions, DelegationSpendingLimits Spending, DateTimeOffset? ExpiresAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), Description("verify only")] string? GranteeKeyId);

public sealed record DelegationSpendingLimits(decimal? MaxTransactionAmount, decimal? MaxDailyAmount, decimal? MaxMonthlyAmount, decimal SpentToday,
    decimal ReservedToday, decimal? RemainingToday, decimal SpentThisMonth, decimal? RemainingThisMonth);

public sealed record DelegationSpendingData(string DelegationId, decimal SpentToday, decimal SpentThisMonth, decimal ReservedToday,
    decimal ReservedThisMonth, decimal? MaxTransactionAmount, decimal? MaxDailyAmount, decimal? MaxMonthlyAmount, decimal? UtilisationDailyPct,
    decimal? UtilisationMonthlyPct);

public sealed record DelegationSummaryData(int ActiveCount, int PendingApprovals, int? DailyBudgetUsedPct, int? MonthlyBudgetUsedPct);

public sealed record DelegationPendingRow(string DelegationId, int PendingApprovalsCount, string GranteeAgentKeyId,
    IReadOnlyList<DelegationApprovalRecord> Approvals);

public sealed record DelegationActivityData(IReadOnlyList<DelegationActivityRecord> Events, Pagination Pagination);

public sealed record DelegationActivityRecord(string Id, string ActionType, string EntityType, string EntityId, decimal? Amount,
    DateTimeOffset OccurredAt);

public sealed record DelegationAnalyticsData(string DelegationId, int TotalDealsCreated, decimal TotalSpent, IReadOnlyDictionary<string, int> DealsByStatus,
    IReadOnlyList<DelegationDailySpendRecord> SpendingChart, DelegationRoi RoiMetrics);

public sealed record DelegationDailySpendRecord(string Date, decimal Amount);

public sealed record DelegationRoi(decimal AvgDealValue);

/// <summary>The PUT body: only these may change, and only narrower (a wider value is 403 naming the fields).</summary>
public record DelegationNarrowBody : IApiRequest
{
    [Description("A subset of the delegation's actions")] public virtual IReadOnlyList<string>? AllowedActions { get; init; }
    [Range(0, 1_000_000_000_000)] public decimal? MaxTransactionAmount { get; init; }
    [Range(0, 1_000_000_000_000)] public decimal? MaxDailyAmount { get; init; }
    [Range(0, 1_000_000_000_000)] public decimal? MaxMonthlyAmount { get; init; }
    [Description("In the future, no later than the parent's")] public DateTimeOffset? ExpiresAt { get; init; }
    [MaxLength(DelegationKeys.DescriptionMaxLength)] public string? Description { get; init; }
}

/// <summary>The create body (a child of the caller's own delegation when the request carries X-Delegation-ID).</summary>
public sealed record DelegationInput : DelegationNarrowBody
{
    [Required, MaxLength(64)] public string? GranteeAgentKeyId { get; init; }
    [Required, MinLength(1), Description("A subset of the grantor's own scopes")] public override IReadOnlyList<string>? AllowedActions { get; init; }
    [Range(0, 1_000_000_000_000), Description("Above it a transaction waits for the grantor's approval")] public decimal? ApprovalThreshold { get; init; }
    public JsonObject? ApprovalSteps { get; init; }
    [Range(0, DelegationKeys.MaxApprovalTimeoutHours), Description("Hours a held transaction waits before it expires")] public int? ApprovalTimeout { get; init; }
    public JsonObject? AutoApprovePolicy { get; init; }
    [Range(1, 100)] public int? AlertThresholdPct { get; init; }
    [Description("Required true when allowed_actions includes deals:sign")] public bool? SigningAuthorityAcknowledged { get; init; }
}

/// <summary>approve (<c>note</c>) or reject (<c>reason</c>) a held transaction.</summary>
public sealed record DelegationDecisionBody : IApiRequest
{
    [Required, MaxLength(64)] public string? DealId { get; init; }
    [MaxLength(2000), Description("approve")] public string? Note { get; init; }
    [MaxLength(2000), Description("reject")] public string? Reason { get; init; }
}

public sealed record DelegationDecisionData(string DelegationId, DelegationApprovalRecord Approval);

public sealed record DelegationPendingList(IReadOnlyList<DelegationPendingRow> Delegations, Pagination Pagination);
