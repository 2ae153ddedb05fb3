using Grains.Events;
using Grains.Interfaces.Idempotency;
using Grains.Interfaces.Delegations;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Telemetry;

namespace Grains.Delegations;

/// <summary>
/// Holds, a batch at a time (<c>DelegationGrain.Batching.cs</c>). A link checks the batch against its caps and its
/// in-memory reservations in order, asks its parent with what passed (which does the same up to the root and holds on
/// the way back), then holds what its parent accepted, in memory. The batch runs under the grain's gate, so a check and
/// its hold see no other change in between: concurrent requests cannot pass a cap together. The deal writes the ledger
/// rows in its own transaction and confirms (<c>DelegationGrain.Ledger.cs</c>). Reservations are kept by deal id, so a
/// retry reserves nothing twice, and a deal whose total rises under the delegation raises its one reservation.
/// </summary>
public sealed partial class DelegationGrain
{
    public async Task<DelegationHold> Reserve(DelegationSpend spend)
    {
        var reservation = new QueuedReservation(spend.ReservationId, spend.Amount, spend.Action, spend.CallerKeyId);
        await Queue([reservation]);
        await reservation.Outcome.Task;
        var current = Existing();
        return new DelegationHold([current.Id, .. Enumerable.Reverse(current.Chain)],
            current.Approvals.Any(a => a.DealId == spend.ReservationId && a.IsPending),
            holds.TryGetValue(spend.ReservationId, out var hold) ? hold.At : time.GetUtcNow());
    }

    public async Task<DomainException?[]> ReserveForChildren(IReadOnlyList<ChildReservation> reservations, IReadOnlyList<string> confirmed)
    {
        if (confirmed.Count > 0)
        {
            await ConfirmForChildren(confirmed);
        }
        List<QueuedReservation> queuedHere = [.. reservations.Select(r => new QueuedReservation(r.ReservationId, r.Amount, r.Action, null))];
        await Queue(queuedHere);
        return [.. queuedHere.Select(r => r.Outcome.Task.Exception?.InnerException switch
        {
            null => null,
            DomainException refused => refused,
            var failed => throw failed,
        })];
    }

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
        var own = DelegationRules.Remaining(Existing(), action, time.GetUtcNow(), reservations.GetValueOrDefault(reservationId));
        if (Existing().Chain is not [.., var parentId])
        {
            return own;
        }
        var parent = await Link(parentId).RemainingBudget(reservationId, action);
        return own is null ? parent : parent is null ? own : Math.Min(own.Value, parent.Value);
    }

    /// <summary>
    /// Reserves a batch in order. A reservation holds its amount: new, or raised from what it held (a raise moves the
    /// whole reservation into the current windows, checked as if it were made now); asking for no more than is held
    /// does nothing. One refused here because of an earlier one the parent then refused is checked again in the next
    /// batch (as if the refused one had never come); one repeating a reservation id of the batch waits for the next.
    /// A direct reservation above the link's <c>approval_threshold</c> is reserved and held for approval
    /// (<c>DelegationGrain.Approvals.cs</c>).
    /// </summary>
    private async Task ReserveBatch(List<QueuedReservation> batch)
    {
        using var unkeyed = KeyedChanges.Suspend(); // one write for many requests: no single request's key is its outcome
        var now = time.GetUtcNow();
        await ReconcileExpiredHolds(now);
        var current = Existing();
        var counters = current.Counters.At(now);
        List<QueuedReservation> again = [];
        List<(QueuedReservation Reservation, DelegationReservation? Held, int Index)> passed = [];
        List<(QueuedReservation Reservation, DomainException Refusal, int Index)> refused = [];
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < batch.Count; i++)
        {
            var r = batch[i];
            if (!ids.Add(r.ReservationId))
            {
                again.Add(r);
                continue;
            }
            if (r.Direct && current.GranteeKeyId != r.CallerKeyId)
            {
                r.Outcome.SetException(new DomainException("authorization_error.delegation_not_granted",
                    $"Delegation {current.Id} is not granted to this API key", new DelegationStateDetails(current.Id, current.StatusAt(now))));
                continue;
            }
            var held = reservations.GetValueOrDefault(r.ReservationId);
            if (held is not null && (held.Settled || held.Amount >= r.Amount))
            {
                r.Outcome.SetResult();
                continue;
            }
            try
            {
                DelegationRules.Check(current, counters, r.Action, r.Amount, now, held);
            }
            catch (DomainException refusal)
            {
                refused.Add((r, refusal, i));
                continue;
            }
            counters = Holding(counters, held, r.Amount);
            passed.Add((r, held, i));
        }

        var firstRefusedAbove = int.MaxValue;
        if (current.Chain is [.., var parentId] && passed.Count > 0)
        {
            var outcomes = await Link(parentId).ReserveForChildren(
                [.. passed.Select(p => new ChildReservation(p.Reservation.ReservationId, p.Reservation.Amount, p.Reservation.Action))],
                TakeConfirmationsUp());
            List<(QueuedReservation, DelegationReservation?, int)> accepted = [];
            for (var i = 0; i < passed.Count; i++)
            {
                if (outcomes[i] is { } refusal)
                {
                    Refuse(passed[i].Reservation, refusal);
                    firstRefusedAbove = Math.Min(firstRefusedAbove, passed[i].Index);
                }
                else
                {
                    accepted.Add(passed[i]);
                }
            }
            passed = accepted;
        }
        foreach (var (r, refusal, index) in refused)
        {
            if (index > firstRefusedAbove)
            {
                again.Add(r);
            }
            else
            {
                Refuse(r, refusal);
            }
        }

        if (passed.Any(p => p.Reservation.Amount > 0))
        {
            await HoldAccepted(current, passed.Where(p => p.Reservation.Amount > 0).Select(p => (p.Reservation, p.Held)).ToList(), now);
        }
        foreach (var (r, _, _) in passed)
        {
            r.Outcome.SetResult();
        }
        queued.InsertRange(0, again);
    }

    /// <summary>
    /// Holds what the whole chain accepted, in memory, until the deal confirms it (<c>DelegationGrain.Ledger.cs</c>). A
    /// warning or an approval request is the one thing written here (an event to send: once per window, or a deal
    /// above the approval threshold); a plain hold writes nothing.
    /// </summary>
    private async Task HoldAccepted(DelegationView current, List<(QueuedReservation Reservation, DelegationReservation? Held)> accepted,
        DateTimeOffset now)
    {
        // The counters as they are now (a confirmation may have run while the parent was asked).
        var counters = Existing().Counters.At(now);
        var next = current;
        List<OutboxEvent> events = [];
        List<DelegationActivity> activity = [];
        var heldForApproval = false;
        foreach (var (r, held) in accepted)
        {
            var before = held is null ? counters : Without(counters, held);
            reservations[r.ReservationId] = new DelegationReservation(r.Amount, before.Day, before.Month, Direct: r.Direct);
            // A hold raised before it was confirmed keeps what it replaced (an abandoned raise goes back to it).
            var replaced = holds.TryGetValue(r.ReservationId, out var pending) ? pending.Replaced : held;
            holds[r.ReservationId] = new PendingHold(replaced, r.Action, now, now + HoldTimeout);
            if (now + HoldTimeout < earliestHoldExpiry)
            {
                earliestHoldExpiry = now + HoldTimeout;
            }
            (counters, var warnings) = Warnings(current, Holding(counters, held, r.Amount), now);
            events.AddRange(warnings);
            if (!r.Direct)
            {
                continue;
            }
            (next, var requested) = HoldForApproval(next, r.ReservationId, r.Amount, r.Action, now);
            if (requested is not null)
            {
                events.Add(requested);
                activity.Add(Entry("approval_requested", r.ReservationId, r.Amount, now));
                heldForApproval = true;
            }
        }
        if (events.Count == 0)
        {
            Counted(counters);
            return;
        }
        // A failed write may still have landed: the holds stay (over-reserving, never over-spending) until the deals
        // confirm or abandon them.
        await Save(next with { Counters = counters, Version = Current.Version + 1 }, events, activity: activity);
        if (heldForApproval)
        {
            await ArmApprovals();
        }
    }

    /// <summary>A refusal answers its request; one answering a request that named this link counts in the metrics by its cap.</summary>
    private static void Refuse(QueuedReservation r, DomainException refusal)
    {
        if (r.Direct && refusal.Details is SpendingLimitDetails limit)
        {
            SalesboothMetrics.DelegationCapRejected(limit.Limit);
        }
        r.Outcome.SetException(refusal);
    }

    /// <summary>The counters with <paramref name="amount"/> reserved in place of what <paramref name="held"/> held.</summary>
    private static DelegationCounters Holding(DelegationCounters counters, DelegationReservation? held, decimal amount)
    {
        var before = held is null ? counters : Without(counters, held);
        return before with { ReservedToday = before.ReservedToday + amount, ReservedThisMonth = before.ReservedThisMonth + amount };
    }

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

}
