using Grains.Interfaces.Delegations;

namespace Grains.Delegations;

/// <summary>
/// <c>action=activity</c> and <c>action=analytics</c>, from what the delegation recorded as the link a request named (spending from the ledger, approvals from its state):
/// reservations (created, raised, signed, negotiated), settlements (closed), releases (cancelled) and approvals.
/// </summary>
public sealed partial class DelegationGrain
{
    public Task<DelegationActivityPage> Activity(DelegationActivityQuery query)
    {
        Existing();
        var matching = AllActivity()
            .Where(e => (query.From is null || e.OccurredAt >= query.From) && (query.To is null || e.OccurredAt <= query.To)
                && (query.ActionType is null || e.ActionType == query.ActionType) && (query.EntityType is null || e.EntityType == query.EntityType))
            .Reverse()
            .ToList();
        return Task.FromResult(new DelegationActivityPage([.. matching.Skip(query.Offset).Take(query.Limit)], matching.Count));
    }

    /// <summary>
    /// Deals by the last thing recorded for them (<c>pending</c> while reserved, <c>awaiting_approval</c>, <c>signed</c>,
    /// <c>closed</c>, <c>cancelled</c>); the chart is settled spending per UTC day, the last 30 days, oldest first.
    /// </summary>
    public Task<DelegationAnalytics> Analytics()
    {
        var current = Existing();
        var now = time.GetUtcNow();
        var activity = AllActivity();
        var byStatus = activity.Where(e => e.EntityType == "deal")
            .GroupBy(e => e.EntityId)
            .Select(g => StatusOf(g.Last().ActionType))
            .GroupBy(s => s)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var settled = activity.Where(e => e.ActionType == "deal_closed")
            .GroupBy(e => DateOnly.FromDateTime(e.OccurredAt.UtcDateTime))
            .ToDictionary(g => g.Key, g => g.Sum(e => e.Amount ?? 0));
        List<DelegationDailySpend> chart = [.. Enumerable.Range(0, 30).Select(i => today.AddDays(i - 29))
            .Select(day => new DelegationDailySpend(day, settled.GetValueOrDefault(day)))];
        var average = dealsCreated == 0 ? 0 : Math.Round(totalSpent / dealsCreated, 2, MidpointRounding.AwayFromZero);
        return Task.FromResult(new DelegationAnalytics(current.Id, dealsCreated, totalSpent, byStatus, chart, average));
    }

    private static string StatusOf(string actionType) => actionType switch
    {
        "approval_requested" => "awaiting_approval",
        "approval_rejected" or "approval_expired" or "deal_cancelled" => "cancelled",
        "deal_signed" => "signed",
        "deal_closed" => "closed",
        _ => "pending",
    };
}
