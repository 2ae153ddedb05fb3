using System.Text.Json;
using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Api.Lists;
using Grains.Interfaces.Delegations;

namespace ApiHost.Delegations;

/// <summary>The wire shapes of approvals (<c>action=approve|reject|pending</c>), <c>action=activity</c> and <c>action=analytics</c>.</summary>
public static class DelegationApprovalContract
{
    /// <summary>The approve (<c>note</c>) or reject (<c>reason</c>) body: <c>deal_id</c> names the held transaction.</summary>
    public static (string DealId, string? Note) ReadDecision(JsonElement body, bool approve)
    {
        var fields = new FieldReader(body);
        var dealId = fields.String("deal_id", required: true, maxLength: 64);
        var note = fields.String(approve ? "note" : "reason", maxLength: 2000);
        fields.ThrowIfInvalid();
        return (dealId!, note);
    }

    public static DelegationApprovalRecord Approval(DelegationApproval a) =>
        new(a.DealId, a.Amount, a.Action, a.Status, a.RequestedAt, a.ExpiresAt, a.DecidedAt, a.DecidedBy, a.Note);

    public static IReadOnlyList<DelegationApprovalRecord> Approvals(IEnumerable<DelegationApproval> approvals) => [.. approvals.Select(Approval)];

    /// <summary>One row of <c>action=pending</c>: the delegation, how many approvals wait, and those approvals.</summary>
    public static DelegationPendingRow Pending(DelegationView d) =>
        new(d.Id, d.PendingApprovalsCount, d.GranteeKeyId, Approvals(d.Approvals.Where(a => a.IsPending)));

    /// <summary>The <c>action=activity</c> filters (<c>from_date</c>/<c>to_date</c> ISO 8601; a date alone for <c>to_date</c> covers that day).</summary>
    public static DelegationActivityQuery ReadActivity(HttpRequest request)
    {
        var query = new ListRequest.QueryReader(request.Query);
        var paging = ListPaging.Read(query);
        var from = query.Timestamp("from_date");
        var to = query.Timestamp("to_date");
        if (to is { } end && request.Query["to_date"].ToString().Length == 10)
        {
            to = end.AddDays(1).AddTicks(-1);
        }
        var actionType = query.OneOf("action_type", [.. DelegationApprovals.ActivityTypes]);
        var entityType = query.Text("entity_type", 64);
        query.ThrowIfInvalid();
        return new DelegationActivityQuery(from, to, actionType, entityType, paging.Limit, paging.Offset);
    }

    public static DelegationActivityData Activity(DelegationActivityPage page, DelegationActivityQuery query) => new(
        [.. page.Events.Select(e => new DelegationActivityRecord(e.Id, e.ActionType, e.EntityType, e.EntityId, e.Amount, e.OccurredAt))],
        ListResponse.Page(page.Total, new ListPaging(query.Limit, query.Offset), page.Events.Count));

    public static DelegationAnalyticsData Analytics(DelegationAnalytics a) => new(a.DelegationId, a.TotalDealsCreated, a.TotalSpent, a.DealsByStatus,
        [.. a.SpendingChart.Select(p => new DelegationDailySpendRecord(p.Date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), p.Amount))],
        new DelegationRoi(a.AverageDealValue));
}
