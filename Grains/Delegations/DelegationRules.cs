using Grains.Interfaces.Delegations;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Tenants;

namespace Grains.Delegations;

/// <summary>The delegation's rules, all pure: a grant within its parent, narrowing only, and the spend check of one link.</summary>
public static class DelegationRules
{
    public const string TransactionLimit = "transaction";
    public const string DailyLimit = "daily";
    public const string MonthlyLimit = "monthly";

    /// <summary>403 for a proposed value (a negotiation offer) above what the delegation chain could still reserve.</summary>
    public const string BudgetExceeded = "DELEGATION_BUDGET_EXCEEDED";

    public const string ExceedsGrantor = "authorization_error.delegation_exceeds_grantor";

    /// <summary>A per-transaction cap never resets; the document's recovery for it is a day.</summary>
    private const int TransactionRetrySeconds = 86_400;

    public static DelegationView New(string id, string tenantId, DelegationGrant grant, DelegationView? parent, DateTimeOffset now)
    {
        if (grant.ExpiresAt is { } expires && expires <= now)
        {
            throw DomainException.Invalid("expires_at", "invalid", "expires_at must be in the future");
        }
        if (DelegationKeys.SigningUnacknowledgedIn(grant.AllowedActions, grant.SigningAuthorityAcknowledged))
        {
            throw DomainException.Invalid("signing_authority_acknowledged", "required", DelegationKeys.SigningUnacknowledged);
        }
        var expiresAt = grant.ExpiresAt;
        var limits = grant.Limits;
        if (parent is not null)
        {
            if (parent.StatusAt(now) != DelegationKeys.Active)
            {
                throw Inactive(parent, now);
            }
            if (parent.GranteeKeyId != grant.GrantorKeyId)
            {
                throw new DomainException("authorization_error.delegation_not_granted",
                    $"Delegation {parent.Id} is not granted to this API key", new DelegationStateDetails(parent.Id, parent.StatusAt(now)));
            }
            // A cap or expiry not given is the parent's (the chain would apply it anyway; the child shows it).
            limits = new DelegationLimits(limits.PerTransaction ?? parent.Limits.PerTransaction, limits.Daily ?? parent.Limits.Daily,
                limits.Monthly ?? parent.Limits.Monthly);
            var beyond = Beyond(parent, grant.AllowedActions, limits, grant.ExpiresAt);
            if (beyond.Count > 0)
            {
                throw new DomainException("authorization_error.delegation_exceeds_parent",
                    $"A sub-delegation cannot grant more than its parent {parent.Id}: {string.Join(", ", beyond)}", new DelegationFieldsDetails(beyond));
            }
            expiresAt ??= parent.ExpiresAt;
        }
        return new DelegationView
        {
            Id = id,
            TenantId = tenantId,
            GrantorKeyId = grant.GrantorKeyId,
            GranteeKeyId = grant.GranteeKeyId,
            Description = grant.Description,
            Limits = limits,
            AllowedActions = grant.AllowedActions,
            Chain = parent is null ? [] : [.. parent.Chain, parent.Id],
            ExpiresAt = expiresAt,
            Counters = DelegationCounters.Empty(now),
            ApprovalThreshold = grant.ApprovalThreshold,
            ApprovalStepsJson = grant.ApprovalStepsJson,
            ApprovalTimeoutHours = grant.ApprovalTimeoutHours,
            AutoApprovePolicyJson = grant.AutoApprovePolicyJson,
            AlertThresholdPct = grant.AlertThresholdPct,
            SigningAuthorityAcknowledged = grant.SigningAuthorityAcknowledged,
            Version = 1,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    /// <summary>
    /// Downward only: a key delegates (or, with <paramref name="proposal"/>, proposes to delegate) no action it does not
    /// hold itself; a proposal verb is the agent scope of its name (<see cref="DelegationProposals.ScopeOf"/>).
    /// 403 <c>authorization_error.delegation_exceeds_grantor</c> naming the actions otherwise.
    /// </summary>
    public static void WithinGrantor(IReadOnlyList<string> grantorScopes, IReadOnlyList<string> actions, bool proposal)
    {
        var beyond = actions.Where(a => !ApiKeyScopes.Allows(grantorScopes, DelegationProposals.ScopeOf(a))).ToList();
        if (beyond.Count > 0)
        {
            throw new DomainException(ExceedsGrantor,
                $"This API key cannot {(proposal ? "propose to delegate" : "delegate")} what it does not hold: {string.Join(", ", beyond)}",
                new DelegationGrantorDetails([proposal ? "proposed_actions" : "allowed_actions"], beyond));
        }
    }

    /// <summary>The fields (by their API names) in which a grant goes beyond <paramref name="bound"/>.</summary>
    public static List<string> Beyond(DelegationView bound, IReadOnlyList<string>? actions, DelegationLimits limits, DateTimeOffset? expiresAt,
        IReadOnlyCollection<string>? given = null)
    {
        bool Considered(string name) => given is null || given.Contains(name);
        List<string> fields = [];
        if (actions is not null && Considered("allowed_actions") && actions.Any(a => !DelegationKeys.Covers(bound.AllowedActions, a)))
        {
            fields.Add("allowed_actions");
        }
        if (Considered("max_transaction_amount") && Wider(limits.PerTransaction, bound.Limits.PerTransaction))
        {
            fields.Add("max_transaction_amount");
        }
        if (Considered("max_daily_amount") && Wider(limits.Daily, bound.Limits.Daily))
        {
            fields.Add("max_daily_amount");
        }
        if (Considered("max_monthly_amount") && Wider(limits.Monthly, bound.Limits.Monthly))
        {
            fields.Add("max_monthly_amount");
        }
        // A child without an expiry inherits its parent's; a PUT that clears it widens.
        if (Considered("expires_at") && bound.ExpiresAt is { } boundExpiry && (expiresAt > boundExpiry || (given is not null && expiresAt is null)))
        {
            fields.Add("expires_at");
        }
        return fields;
    }

    /// <summary>The delegation narrowed by a PUT, or 403 naming every field that would widen it.</summary>
    public static DelegationView Narrow(DelegationView current, DelegationNarrowing changes, DateTimeOffset now)
    {
        var limits = new DelegationLimits(
            Given(changes, "max_transaction_amount") ? changes.MaxTransactionAmount : current.Limits.PerTransaction,
            Given(changes, "max_daily_amount") ? changes.MaxDailyAmount : current.Limits.Daily,
            Given(changes, "max_monthly_amount") ? changes.MaxMonthlyAmount : current.Limits.Monthly);
        var expiresAt = Given(changes, "expires_at") ? changes.ExpiresAt : current.ExpiresAt;
        // Against the current grant itself: "no cap" / "no expiry" now makes any given value a narrowing.
        var widened = Beyond(current, changes.AllowedActions, limits, expiresAt, changes.Given);
        if (widened.Count > 0)
        {
            throw new DomainException("authorization_error.delegation_widening",
                $"A delegation can only be narrowed; these fields would widen it: {string.Join(", ", widened)}", new DelegationFieldsDetails(widened));
        }
        if (Given(changes, "expires_at") && expiresAt <= now)
        {
            throw DomainException.Invalid("expires_at", "invalid", "expires_at must be in the future");
        }
        return current with
        {
            AllowedActions = changes.AllowedActions ?? current.AllowedActions,
            Limits = limits,
            ExpiresAt = expiresAt,
            Description = Given(changes, "description") ? changes.Description : current.Description,
        };
    }

    /// <summary>
    /// The spend check of one link at <paramref name="now"/>: usable, the action allowed, and every cap of this link
    /// holds with <paramref name="amount"/> added to what is spent and reserved (its counters, rolled to now's windows).
    /// </summary>
    /// <paramref name="held"/> is what the same reservation already holds in the current windows (a raise replaces it).
    public static void Check(DelegationView delegation, string action, decimal amount, DateTimeOffset now, DelegationReservation? held = null) =>
        Check(delegation, delegation.Counters, action, amount, now, held);

    /// <summary>The same check against <paramref name="counters"/> in place of the link's own (a batch's running counters).</summary>
    public static void Check(DelegationView delegation, DelegationCounters counters, string action, decimal amount, DateTimeOffset now,
        DelegationReservation? held = null)
    {
        CheckUsable(delegation, action, now);
        counters = counters.At(now);
        var heldToday = held is { Settled: false } h && h.Day == counters.Day ? h.Amount : 0;
        var heldThisMonth = held is { Settled: false } m && m.Month == counters.Month ? m.Amount : 0;
        var limits = delegation.Limits;
        if (amount > limits.PerTransaction)
        {
            throw Exceeded(delegation, counters, TransactionLimit, amount, TransactionRetrySeconds);
        }
        if (counters.UsedToday - heldToday + amount > limits.Daily)
        {
            throw Exceeded(delegation, counters, DailyLimit, amount, SecondsUntil(NextDay(now), now));
        }
        if (counters.UsedThisMonth - heldThisMonth + amount > limits.Monthly)
        {
            throw Exceeded(delegation, counters, MonthlyLimit, amount, SecondsUntil(NextMonth(now), now));
        }
    }

    /// <summary>
    /// What the reservation could hold on this link at <paramref name="now"/> (null: no cap): the least of the
    /// per-transaction cap and what is left today and this month, counting what it already holds as available. The
    /// link must be usable for the action (else the same 403 as a spend).
    /// </summary>
    public static decimal? Remaining(DelegationView delegation, string action, DateTimeOffset now, DelegationReservation? held)
    {
        CheckUsable(delegation, action, now);
        var counters = delegation.Counters.At(now);
        var heldToday = held is { Settled: false } h && h.Day == counters.Day ? h.Amount : 0;
        var heldThisMonth = held is { Settled: false } m && m.Month == counters.Month ? m.Amount : 0;
        decimal? remaining = delegation.Limits.PerTransaction;
        if (delegation.Limits.Daily is { } daily)
        {
            remaining = Math.Min(remaining ?? decimal.MaxValue, Math.Max(0, daily - counters.UsedToday + heldToday));
        }
        if (delegation.Limits.Monthly is { } monthly)
        {
            remaining = Math.Min(remaining ?? decimal.MaxValue, Math.Max(0, monthly - counters.UsedThisMonth + heldThisMonth));
        }
        return remaining;
    }

    private static void CheckUsable(DelegationView delegation, string action, DateTimeOffset now)
    {
        if (delegation.StatusAt(now) != DelegationKeys.Active)
        {
            throw Inactive(delegation, now);
        }
        if (!DelegationKeys.Covers(delegation.AllowedActions, action))
        {
            throw new DomainException("authorization_error.delegation_action_not_allowed",
                $"Delegation {delegation.Id} does not allow {action}", new DelegationStateDetails(delegation.Id, DelegationKeys.Active));
        }
    }

    public static decimal? RemainingToday(DelegationView d, DelegationCounters c) => d.Limits.Daily is { } cap ? Math.Max(0, cap - c.UsedToday) : null;

    public static decimal? RemainingThisMonth(DelegationView d, DelegationCounters c) =>
        d.Limits.Monthly is { } cap ? Math.Max(0, cap - c.UsedThisMonth) : null;

    public static DomainException Inactive(DelegationView delegation, DateTimeOffset now)
    {
        var status = delegation.StatusAt(now);
        return new DomainException("authorization_error.delegation_inactive",
            $"Delegation {delegation.Id} is {status}" + (delegation.Ended is { EndedBy: var by } && by != delegation.Id ? $" (delegation {by} in its chain ended)" : ""),
            new DelegationStateDetails(delegation.Id, status, delegation.Ended?.EndedBy ?? (status == DelegationKeys.Active ? null : delegation.Id)));
    }

    /// <summary>The activity a reservation reads as: by the action that made it, a creation or a raise otherwise.</summary>
    public static string ActivityOf(string action, bool created) => action switch
    {
        "deals:sign" => "deal_signed",
        "agent:negotiate" => "deal_negotiated",
        _ => created ? "deal_created" : "deal_updated",
    };

    public static DateTimeOffset NextDay(DateTimeOffset now) => new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(1);

    public static DateTimeOffset NextMonth(DateTimeOffset now) =>
        new DateTimeOffset(now.UtcDateTime.Year, now.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);

    private static int SecondsUntil(DateTimeOffset at, DateTimeOffset now) => (int)Math.Ceiling((at - now).TotalSeconds);

    private static DomainException Exceeded(DelegationView d, DelegationCounters c, string limit, decimal amount, int retryAfter) =>
        new("spending_limit_exceeded", $"The amount {amount} exceeds the {limit} spending limit of delegation {d.Id}",
            new SpendingLimitDetails(d.Id, limit, amount, RemainingToday(d, c), RemainingThisMonth(d, c), d.Limits.PerTransaction, retryAfter));

    private static bool Wider(decimal? value, decimal? bound) => bound is { } b && (value is null || value > b);

    private static bool Given(DelegationNarrowing changes, string name) => changes.Given.Contains(name);
}
