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
        // The grain's rule, read here too so that every field problem is answered at once.
        if (DelegationKeys.SigningUnacknowledgedIn(actions, grant.SigningAuthorityAcknowledged))
        {
            fields.Fail("signing_authority_acknowledged", "required", DelegationKeys.SigningUnacknowledged);
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
    public static DelegationResource Resource(DelegationView d, DateTimeOffset now)
    {
        var c = d.Counters;
        return new DelegationResource(d.Id, d.TenantId, "api_key", d.GrantorKeyId, d.GranteeKeyId, d.Description, d.StatusAt(now),
            Text(d.Limits.PerTransaction), Text(d.Limits.Daily), Text(d.Limits.Monthly), Text(c.SpentToday), Text(c.SpentThisMonth),
            Text(c.ReservedToday), Text(c.ReservedThisMonth), Text(Available(d.Limits.Daily, c.UsedToday)),
            Text(Available(d.Limits.Monthly, c.UsedThisMonth)), d.AllowedActions, d.Chain, d.ExpiresAt, d.RevokedAt, d.Ended?.EndedBy,
            d.CreatedAt, d.UpdatedAt, Text(d.ApprovalThreshold), Raw(d.ApprovalStepsJson), d.ApprovalTimeoutHours, Raw(d.AutoApprovePolicyJson),
            d.AlertThresholdPct, DelegationApprovalContract.Approvals(d.Approvals));
    }

    /// <summary>The delegation as the create example shows it, for list shaping.</summary>
    public static JsonObject ToJson(DelegationView d, DateTimeOffset now) => Wire.ToObject(Resource(d, now));

    /// <summary><c>action=verify</c> (and, without status and grantee, <c>action=check</c>): validity, actions and spending as numbers.</summary>
    public static DelegationVerification Verify(DelegationView d, DateTimeOffset now, bool check)
    {
        var status = d.StatusAt(now);
        var c = d.Counters;
        var spending = new DelegationSpendingLimits(d.Limits.PerTransaction, d.Limits.Daily, d.Limits.Monthly, c.SpentToday, c.ReservedToday,
            Available(d.Limits.Daily, c.UsedToday), c.SpentThisMonth, Available(d.Limits.Monthly, c.UsedThisMonth));
        return new DelegationVerification(d.Id, check ? null : status, status == DelegationKeys.Active, d.AllowedActions, spending, d.ExpiresAt,
            check ? null : d.GranteeKeyId);
    }

    /// <summary><c>action=spending</c>: totals and utilisation (spent and reserved, in percent of the cap, one decimal).</summary>
    public static DelegationSpendingData Spending(DelegationView d) => new(d.Id, d.Counters.SpentToday, d.Counters.SpentThisMonth,
        d.Counters.ReservedToday, d.Counters.ReservedThisMonth, d.Limits.PerTransaction, d.Limits.Daily, d.Limits.Monthly,
        Percent(d.Counters.UsedToday, d.Limits.Daily), Percent(d.Counters.UsedThisMonth, d.Limits.Monthly));

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
