using Grains.Events;
using Grains.Interfaces.Delegations;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Telemetry;

namespace Grains.Delegations;

/// <summary>
/// Reservations. A link checks its own state and caps, asks its parent (which does the same up to the root and commits
/// on the way back), then commits its own. The grain runs one call at a time, so a check and its commit see no other
/// request in between: concurrent requests cannot pass a cap together. Reservations are kept by deal id, so a retry
/// reserves nothing twice, and a deal whose total rises under the delegation raises its one reservation.
/// </summary>
public sealed partial class DelegationGrain
{
    public async Task<DelegationView> Reserve(DelegationSpend spend)
    {
        var now = time.GetUtcNow();
        var current = Existing();
        if (current.GranteeKeyId != spend.CallerKeyId)
        {
            throw new DomainException("authorization_error.delegation_not_granted",
                $"Delegation {current.Id} is not granted to this API key", new DelegationStateDetails(current.Id, current.StatusAt(now)));
        }
        await ReserveHere(spend.ReservationId, spend.Amount, spend.Action, now, direct: true);
        return View(now);
    }

    public Task ReserveForChild(string reservationId, decimal amount, string action) =>
        ReserveHere(reservationId, amount, action, time.GetUtcNow(), direct: false);

    public async Task CheckBudget(DelegationSpend spend)
    {
        var now = time.GetUtcNow();
        var current = Existing();
        if (current.GranteeKeyId != spend.CallerKeyId)
        {
            throw new DomainException("authorization_error.delegation_not_granted",
                $"Delegation {current.Id} is not granted to this API key", new DelegationStateDetails(current.Id, current.StatusAt(now)));
        }
        var remaining = await RemainingBudget(spend.ReservationId, spend.Action);
        if (spend.Amount > remaining)
        {
            SalesboothMetrics.DelegationCapRejected("budget");
            throw new DomainException(DelegationRules.BudgetExceeded,
                $"The proposed value {spend.Amount} exceeds the remaining budget {remaining} of delegation {current.Id} and its chain",
                new DelegationBudgetDetails(current.Id, remaining.Value, spend.Amount));
        }
    }

    public async Task<decimal?> RemainingBudget(string reservationId, string action)
    {
        var own = DelegationRules.Remaining(Existing(), action, time.GetUtcNow(), Current.Reservations.GetValueOrDefault(reservationId));
        if (Existing().Chain is not [.., var parentId])
        {
            return own;
        }
        var parent = await Link(parentId).RemainingBudget(reservationId, action);
        return own is null ? parent : parent is null ? own : Math.Min(own.Value, parent.Value);
    }

    public async Task Release(string reservationId)
    {
        if (Current.Record is { } current && Current.Reservations.TryGetValue(reservationId, out var held))
        {
            var now = time.GetUtcNow();
            var counters = Without(current.Counters.At(now), held);
            var reservations = Kept(counters.Month);
            reservations.Remove(reservationId);
            await Save(current with { Counters = counters, Version = Current.Version + 1 }, [], reservations: reservations,
                activity: held.Direct ? [Entry("deal_cancelled", reservationId, held.Amount, now)] : null);
        }
        await Up(parent => parent.Release(reservationId));
    }

    public async Task Settle(string reservationId)
    {
        if (Current.Record is { } current && Current.Reservations.TryGetValue(reservationId, out var held) && !held.Settled)
        {
            var now = time.GetUtcNow();
            var counters = Without(current.Counters.At(now), held);
            counters = counters with
            {
                SpentToday = held.Day == counters.Day ? counters.SpentToday + held.Amount : counters.SpentToday,
                SpentThisMonth = held.Month == counters.Month ? counters.SpentThisMonth + held.Amount : counters.SpentThisMonth,
            };
            var reservations = Kept(counters.Month);
            reservations[reservationId] = held with { Settled = true };
            await Save(current with { Counters = counters, Version = Current.Version + 1 }, [], reservations: reservations,
                activity: held.Direct ? [Entry("deal_closed", reservationId, held.Amount, now)] : null,
                amend: s => s.TotalSpent += held.Direct ? held.Amount : 0);
        }
        await Up(parent => parent.Settle(reservationId));
    }

    /// <summary>
    /// Holds <paramref name="amount"/> for the reservation: new, or raised from what it held (a raise moves the whole
    /// reservation into the current windows, checked as if it were made now). Asking for no more than is held does nothing.
    /// </summary>
    /// <paramref name="direct"/>: this is the link the request named; an amount above its <c>approval_threshold</c> is
    /// reserved and held for approval here (<c>DelegationGrain.Approvals.cs</c>).
    private async Task ReserveHere(string reservationId, decimal amount, string action, DateTimeOffset now, bool direct)
    {
        var current = Existing();
        var held = Current.Reservations.GetValueOrDefault(reservationId);
        if (held is not null && (held.Settled || held.Amount >= amount))
        {
            return;
        }
        DelegationRules.Check(current, action, amount, now, held);
        var counters = held is null ? current.Counters.At(now) : Without(current.Counters.At(now), held);
        await Up(parent => parent.ReserveForChild(reservationId, amount, action));
        if (amount == 0)
        {
            return;
        }
        var reservations = Kept(counters.Month);
        reservations[reservationId] = new DelegationReservation(amount, counters.Day, counters.Month, Direct: direct);
        counters = counters with { ReservedToday = counters.ReservedToday + amount, ReservedThisMonth = counters.ReservedThisMonth + amount };
        var (warned, warnings) = Warnings(current, counters, now);
        var next = current with { Counters = warned, Version = Current.Version + 1 };
        List<DelegationActivity> activity = [];
        var heldForApproval = false;
        if (direct)
        {
            activity.Add(Entry(ActivityOf(action, held is null), reservationId, amount, now));
            (next, var requested) = HoldForApproval(next, reservationId, amount, action, now);
            if (requested is not null)
            {
                warnings.Add(requested);
                activity.Add(Entry("approval_requested", reservationId, amount, now));
                heldForApproval = true;
            }
        }
        // A failed write may still have landed: the ancestors keep their hold (over-reserving, never over-spending);
        // the deal's retry reserves under the same id, which every link answers from what it holds.
        await Save(next, warnings, reservations: reservations, activity: activity,
            amend: s => s.DealsCreated += direct && held is null ? 1 : 0);
        if (heldForApproval)
        {
            await ArmApprovals();
        }
    }

    private static string ActivityOf(string action, bool created) => action switch
    {
        "deals:sign" => "deal_signed",
        "agent:negotiate" => "deal_negotiated",
        _ => created ? "deal_created" : "deal_updated",
    };

    private static DelegationActivity Entry(string actionType, string dealId, decimal? amount, DateTimeOffset now) =>
        new(ResourceIds.New("evt"), actionType, "deal", dealId, amount, now);

    /// <summary>
    /// <c>delegation.budget_warning</c> once per window: when spent and reserved reach <c>alert_threshold_pct</c> of the
    /// daily or monthly cap. Returns the counters marked as warned and the events.
    /// </summary>
    private static (DelegationCounters, List<OutboxEvent>) Warnings(DelegationView d, DelegationCounters c, DateTimeOffset now)
    {
        List<OutboxEvent> events = [];
        if (d.AlertThresholdPct is not { } pct)
        {
            return (c, events);
        }
        OutboxEvent Warning(string window, decimal used, decimal cap) => Outbox.Event("delegation.budget_warning", now, new
        {
            id = d.Id,
            delegation_id = d.Id,
            grantee_agent_key_id = d.GranteeKeyId,
            window,
            alert_threshold_pct = pct,
            used,
            limit = cap,
            utilisation_pct = Math.Round(used / cap * 100, 1),
        });
        if (!c.WarnedToday && d.Limits.Daily is { } daily && daily > 0 && c.UsedToday * 100 >= pct * daily)
        {
            c = c with { WarnedToday = true };
            events.Add(Warning("daily", c.UsedToday, daily));
        }
        if (!c.WarnedThisMonth && d.Limits.Monthly is { } monthly && monthly > 0 && c.UsedThisMonth * 100 >= pct * monthly)
        {
            c = c with { WarnedThisMonth = true };
            events.Add(Warning("monthly", c.UsedThisMonth, monthly));
        }
        return (c, events);
    }

    /// <summary>The counters without an unsettled reservation (in the windows it was made in, when they are the current ones).</summary>
    private static DelegationCounters Without(DelegationCounters counters, DelegationReservation held) => held.Settled ? counters : counters with
    {
        ReservedToday = held.Day == counters.Day ? counters.ReservedToday - held.Amount : counters.ReservedToday,
        ReservedThisMonth = held.Month == counters.Month ? counters.ReservedThisMonth - held.Amount : counters.ReservedThisMonth,
    };

    /// <summary>The reservations that still count somewhere: those of this month (older ones are out of every window).</summary>
    private Dictionary<string, DelegationReservation> Kept(int month) =>
        Current.Reservations.Where(r => r.Value.Month >= month).ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);

    private Task Up(Func<IDelegationGrain, Task> call) =>
        Existing().Chain is [.., var parentId] ? call(Link(parentId)) : Task.CompletedTask;
}
