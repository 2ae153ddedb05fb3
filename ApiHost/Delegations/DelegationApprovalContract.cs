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

    public static JsonObject Approval(DelegationApproval a) => new()
    {
        ["deal_id"] = a.DealId,
        ["amount"] = a.Amount,
        ["action"] = a.Action,
        ["status"] = a.Status,
        ["requested_at"] = a.RequestedAt,
        ["expires_at"] = a.ExpiresAt,
        ["decided_at"] = a.DecidedAt,
        ["decided_by"] = a.DecidedBy,
        ["note"] = a.Note,
    };

    public static JsonArray Approvals(IEnumerable<DelegationApproval> approvals) => [.. approvals.Select(a => (JsonNode)Approval(a))];

    /// <summary>One row of <c>action=pending</c>: the delegation, how many approvals wait, and those approvals.</summary>
    public static JsonObject Pending(DelegationView d) => new()
    {
        ["delegation_id"] = d.Id,
        ["pending_approvals_count"] = d.PendingApprovalsCount,
        ["grantee_agent_key_id"] = d.GranteeKeyId,
        ["approvals"] = Approvals(d.Approvals.Where(a => a.IsPending)),
    };

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

    public static JsonObject Activity(DelegationActivityPage page, DelegationActivityQuery query) => new()
    {
        ["events"] = new JsonArray([.. page.Events.Select(e => (JsonNode)new JsonObject
        {
            ["id"] = e.Id,
            ["action_type"] = e.ActionType,
            ["entity_type"] = e.EntityType,
            ["entity_id"] = e.EntityId,
            ["amount"] = e.Amount,
            ["occurred_at"] = e.OccurredAt,
        })]),
        ["pagination"] = ListResponse.Pagination(page.Total, query.Limit, query.Offset, page.Events.Count,
            query.Offset + page.Events.Count < page.Total, null, null),
    };

    public static JsonObject Analytics(DelegationAnalytics a) => new()
    {
        ["delegation_id"] = a.DelegationId,
        ["total_deals_created"] = a.TotalDealsCreated,
        ["total_spent"] = a.TotalSpent,
        ["deals_by_status"] = new JsonObject([.. a.DealsByStatus.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Value))]),
        ["spending_chart"] = new JsonArray([.. a.SpendingChart.Select(p => (JsonNode)new JsonObject
        {
            ["date"] = p.Date.ToString("yyyy-MM-dd"),
            ["amount"] = p.Amount,
        })]),
        ["roi_metrics"] = new JsonObject { ["avg_deal_value"] = a.AverageDealValue },
    };
}
