using System.Text.Json;
using System.Text.Json.Nodes;
using ApiHost.Api;
using Grains.Interfaces.Delegations;
using Grains.Interfaces.Money;

namespace ApiHost.Delegations;

/// <summary>The delegation's wire shapes: the create and PUT bodies, the delegation (amounts as strings), verify and spending (numbers).</summary>
public static class DelegationContract
{
    /// <summary>The PUT fields: everything else of a delegation is fixed at creation.</summary>
    public static readonly string[] Narrowable =
        ["allowed_actions", "max_transaction_amount", "max_daily_amount", "max_monthly_amount", "expires_at", "description"];

    private const string Currency = "USD";

    public static DelegationGrant ReadCreate(JsonElement body, string grantorKeyId, string environment, string? parentId)
    {
        var fields = new FieldReader(body);
        var grantee = fields.String("grantee_agent_key_id", required: true, maxLength: 64);
        var actions = ReadActions(fields, required: true);
        var limits = new DelegationLimits(Amount(fields, "max_transaction_amount"), Amount(fields, "max_daily_amount"), Amount(fields, "max_monthly_amount"));
        var grant = new DelegationGrant
        {
            GrantorKeyId = grantorKeyId,
            GranteeKeyId = grantee ?? "",
            GranteeEnvironment = environment,
            AllowedActions = actions ?? [],
            Limits = limits,
            ExpiresAt = fields.Timestamp("expires_at"),
            Description = fields.String("description", maxLength: DelegationKeys.DescriptionMaxLength),
            ApprovalThreshold = Amount(fields, "approval_threshold"),
            ApprovalStepsJson = Json(fields, "approval_steps"),
            ApprovalTimeoutHours = fields.Integer("approval_timeout", min: 0, max: DelegationKeys.MaxApprovalTimeoutHours),
            AutoApprovePolicyJson = Json(fields, "auto_approve_policy"),
            AlertThresholdPct = fields.Integer("alert_threshold_pct", min: 1, max: 100),
            SigningAuthorityAcknowledged = fields.Boolean("signing_authority_acknowledged") ?? false,
            ParentId = parentId,
        };
        if (actions is not null && actions.Contains(DelegationKeys.SignAction) && !grant.SigningAuthorityAcknowledged)
        {
            fields.Fail("signing_authority_acknowledged", "required", "signing_authority_acknowledged must be true when allowed_actions includes deals:sign");
        }
        fields.ThrowIfInvalid();
        return grant;
    }

    public static DelegationNarrowing ReadNarrowing(JsonElement body)
    {
        var fields = new FieldReader(body);
        foreach (var property in body.EnumerateObject().Where(p => !Narrowable.Contains(p.Name)))
        {
            fields.Fail(property.Name, "not_updatable", $"{property.Name} cannot be changed; updatable: {string.Join(", ", Narrowable)}");
        }
        var changes = new DelegationNarrowing
        {
            AllowedActions = ReadActions(fields, required: false),
            MaxTransactionAmount = Amount(fields, "max_transaction_amount"),
            MaxDailyAmount = Amount(fields, "max_daily_amount"),
            MaxMonthlyAmount = Amount(fields, "max_monthly_amount"),
            ExpiresAt = fields.Timestamp("expires_at"),
            Description = fields.String("description", maxLength: DelegationKeys.DescriptionMaxLength),
            Given = [.. Narrowable.Where(fields.Has)],
        };
        if (changes.Given.Count == 0)
        {
            fields.Fail("body", "required", $"Give at least one of: {string.Join(", ", Narrowable)}");
        }
        fields.ThrowIfInvalid();
        return changes;
    }

    /// <summary>The delegation as the create example shows it.</summary>
    public static JsonObject ToJson(DelegationView d, DateTimeOffset now)
    {
        var c = d.Counters;
        return new JsonObject
        {
            ["delegation_id"] = d.Id,
            ["tenant_id"] = d.TenantId,
            ["grantor_type"] = "api_key",
            ["grantor_id"] = d.GrantorKeyId,
            ["grantee_agent_key_id"] = d.GranteeKeyId,
            ["description"] = d.Description,
            ["status"] = d.StatusAt(now),
            ["max_transaction_amount"] = Text(d.Limits.PerTransaction),
            ["max_daily_amount"] = Text(d.Limits.Daily),
            ["max_monthly_amount"] = Text(d.Limits.Monthly),
            ["spent_today"] = Text(c.SpentToday),
            ["spent_this_month"] = Text(c.SpentThisMonth),
            ["reserved_today"] = Text(c.ReservedToday),
            ["reserved_this_month"] = Text(c.ReservedThisMonth),
            ["available_today"] = Text(Available(d.Limits.Daily, c.UsedToday)),
            ["available_this_month"] = Text(Available(d.Limits.Monthly, c.UsedThisMonth)),
            ["allowed_actions"] = new JsonArray([.. d.AllowedActions.Select(a => JsonValue.Create(a))]),
            ["delegation_chain"] = new JsonArray([.. d.Chain.Select(a => JsonValue.Create(a))]),
            ["expires_at"] = d.ExpiresAt,
            ["revoked_at"] = d.RevokedAt,
            ["ended_by"] = d.Ended?.EndedBy,
            ["created_at"] = d.CreatedAt,
            ["updated_at"] = d.UpdatedAt,
            ["approval_threshold"] = Text(d.ApprovalThreshold),
            ["approval_steps"] = Raw(d.ApprovalStepsJson),
            ["approval_timeout"] = d.ApprovalTimeoutHours,
            ["auto_approve_policy"] = Raw(d.AutoApprovePolicyJson),
            ["alert_threshold_pct"] = d.AlertThresholdPct,
            ["approvals"] = DelegationApprovalContract.Approvals(d.Approvals),
        };
    }

    /// <summary><c>action=verify</c> (and, without the id fields, <c>action=check</c>): validity, actions and spending as numbers.</summary>
    public static JsonObject Verify(DelegationView d, DateTimeOffset now, bool check)
    {
        var status = d.StatusAt(now);
        var c = d.Counters;
        var data = new JsonObject();
        if (!check)
        {
            data["delegation_id"] = d.Id;
            data["status"] = status;
        }
        data["valid"] = status == DelegationKeys.Active;
        data["allowed_actions"] = new JsonArray([.. d.AllowedActions.Select(a => JsonValue.Create(a))]);
        data["spending"] = new JsonObject
        {
            ["max_transaction_amount"] = d.Limits.PerTransaction,
            ["max_daily_amount"] = d.Limits.Daily,
            ["max_monthly_amount"] = d.Limits.Monthly,
            ["spent_today"] = c.SpentToday,
            ["reserved_today"] = c.ReservedToday,
            ["remaining_today"] = Available(d.Limits.Daily, c.UsedToday),
            ["spent_this_month"] = c.SpentThisMonth,
            ["remaining_this_month"] = Available(d.Limits.Monthly, c.UsedThisMonth),
        };
        data["expires_at"] = d.ExpiresAt;
        if (check)
        {
            data["delegation_id"] = d.Id;
        }
        else
        {
            data["grantee_key_id"] = d.GranteeKeyId;
        }
        return data;
    }

    /// <summary><c>action=spending</c>: totals and utilisation (spent and reserved, in percent of the cap, one decimal).</summary>
    public static JsonObject Spending(DelegationView d) => new()
    {
        ["delegation_id"] = d.Id,
        ["spent_today"] = d.Counters.SpentToday,
        ["spent_this_month"] = d.Counters.SpentThisMonth,
        ["reserved_today"] = d.Counters.ReservedToday,
        ["reserved_this_month"] = d.Counters.ReservedThisMonth,
        ["max_transaction_amount"] = d.Limits.PerTransaction,
        ["max_daily_amount"] = d.Limits.Daily,
        ["max_monthly_amount"] = d.Limits.Monthly,
        ["utilisation_daily_pct"] = Percent(d.Counters.UsedToday, d.Limits.Daily),
        ["utilisation_monthly_pct"] = Percent(d.Counters.UsedThisMonth, d.Limits.Monthly),
    };

    /// <summary><c>action=summary</c>: the active delegations' count and budget use (counters rolled to now's windows).</summary>
    public static JsonObject Summary(IReadOnlyList<DelegationView> active, DateTimeOffset now)
    {
        var counters = active.Select(d => (d.Limits, Counters: d.Counters.At(now))).ToList();
        int? Used(Func<DelegationLimits, decimal?> cap, Func<DelegationCounters, decimal> used)
        {
            var capped = counters.Where(c => cap(c.Limits) is > 0).ToList();
            return capped.Count == 0 ? null : (int)Math.Round(capped.Sum(c => used(c.Counters)) / capped.Sum(c => cap(c.Limits)!.Value) * 100);
        }
        return new JsonObject
        {
            ["active_count"] = active.Count,
            ["pending_approvals"] = active.Sum(d => d.PendingApprovalsCount),
            ["daily_budget_used_pct"] = Used(l => l.Daily, c => c.UsedToday),
            ["monthly_budget_used_pct"] = Used(l => l.Monthly, c => c.UsedThisMonth),
        };
    }

    private static IReadOnlyList<string>? ReadActions(FieldReader fields, bool required)
    {
        var actions = fields.StringList("allowed_actions", DelegationKeys.Actions.Count, 64);
        if (actions is null)
        {
            if (required)
            {
                fields.Fail("allowed_actions", "required", "allowed_actions is required");
            }
            return null;
        }
        if (actions.Count == 0 || actions.Any(a => !DelegationKeys.Actions.Contains(a)))
        {
            fields.Fail("allowed_actions", "invalid", $"allowed_actions must name at least one of: {string.Join(", ", DelegationKeys.Actions)}");
            return null;
        }
        return [.. actions.Distinct(StringComparer.Ordinal)];
    }

    private static decimal? Amount(FieldReader fields, string name) => fields.Decimal(name, min: 0, max: 1_000_000_000_000m);

    /// <summary>An object kept as raw JSON (<c>approval_steps</c>, <c>auto_approve_policy</c>); null stays null.</summary>
    private static string? Json(FieldReader fields, string name) => fields.Metadata(name) is { } json && json != "{}" ? json : null;

    private static decimal? Available(decimal? cap, decimal used) => cap is { } c ? Math.Max(0, c - used) : null;

    private static decimal? Percent(decimal used, decimal? cap) => cap is { } c && c > 0 ? Math.Round(used / c * 100, 1) : null;

    private static string? Text(decimal? amount) => amount is { } a ? MoneyFormat.Amount(a, Currency) : null;

    private static JsonNode? Raw(string? json) => json is null ? null : JsonNode.Parse(json);
}
