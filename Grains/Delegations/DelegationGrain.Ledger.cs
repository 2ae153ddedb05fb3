using Grains.Delegations.Ledger;
using Grains.Interfaces.Delegations;
using Microsoft.Extensions.Logging;

namespace Grains.Delegations;

/// <summary>
/// The reservation ledger. A link's reservations and counters live in memory: a hold is taken under the grain's gate
/// (<c>DelegationGrain.Spending.cs</c>) with no write; the deal writes its ledger rows (one per link, stored as one row per change) in its own transaction
/// and then confirms the hold (or abandons it when its commit failed); cancelling or closing the deal writes release or
/// settle rows the same way and tells the links. On activation a link rebuilds its reservations, counters, spending
/// activity and all-time totals from its ledger rows (<see cref="IDelegationLedger"/>). A hold neither confirmed nor
/// abandoned within <see cref="HoldTimeout"/> (a lost notice, a deal that died mid-change) is settled by what the
/// ledger holds for that deal: counted if its row is there, dropped otherwise.
/// </summary>
public sealed partial class DelegationGrain
{
    /// <summary>How long a hold waits for its deal's confirmation before the ledger decides it.</summary>
    public static readonly TimeSpan HoldTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long confirmations gather before they go to the parent as one call. Nobody waits for them, and without a
    /// wait a batch held the one or two that arrived during the previous call. Real time, not the injected clock: it
    /// paces messages, it is not a business deadline (like the webhook writer's insert hold).
    /// </summary>
    public static readonly TimeSpan ConfirmationLinger = TimeSpan.FromMilliseconds(10);

    /// <summary>Every deal reserved on this link in the current month (held or confirmed; settled ones count as spent).</summary>
    private readonly Dictionary<string, DelegationReservation> reservations = new(StringComparer.Ordinal);

    /// <summary>Holds not confirmed yet, by deal id.</summary>
    private readonly Dictionary<string, PendingHold> holds = new(StringComparer.Ordinal);

    /// <summary>No hold lapses before this (<see cref="ReconcileExpiredHolds"/>); every place that adds a hold lowers it.</summary>
    private DateTimeOffset earliestHoldExpiry = DateTimeOffset.MaxValue;

    /// <summary>Spending activity as the link a request named (from the ledger's direct rows), newest last.</summary>
    private List<DelegationActivity> spendActivity = [];

    /// <summary>Confirmations waiting to be sent to the parent, and the send running (<see cref="ForwardConfirmations"/>).</summary>
    private readonly List<string> confirmationsUp = [];
    private Task? confirming;

    private int dealsCreated;
    private decimal totalSpent;
    private int prunedMonth;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await base.OnActivateAsync(cancellationToken);
        if (Current.Record is { } current)
        {
            await Rebuild(current, cancellationToken);
        }
    }

    /// <summary>
    /// Runs outside the gate (a confirm changes no counter, only turns a hold into a reservation), so confirmations do
    /// not queue behind a batch waiting on the parent; the ledger read of an unknown hold takes the gate. The deal tells
    /// the link it named only; the ancestors hear of it in batches (<see cref="ForwardConfirmations"/>).
    /// </summary>
    public async Task Confirm(DelegationNotice notice)
    {
        await ConfirmHere(notice);
        ForwardConfirmations([notice.ReservationId]);
    }

    public async Task ConfirmForChildren(IReadOnlyList<string> reservationIds)
    {
        foreach (var reservationId in reservationIds)
        {
            await ConfirmHere(new DelegationNotice(reservationId, "", Direct: false));
        }
        ForwardConfirmations(reservationIds);
    }

    /// <summary>
    /// Queues confirmations for the parent and starts a send unless one is gathering: one one-way call per
    /// <see cref="ConfirmationLinger"/> instead of one per deal per ancestor, and none at all when the next reservation
    /// batch to the parent comes first and takes them along (<see cref="ReserveBatch"/>). Nobody waits for it; a
    /// confirmation that never arrives (a lost message, a lost activation) leaves the ancestor's hold to lapse and be
    /// decided by the ledger (<see cref="HoldTimeout"/>).
    /// </summary>
    private void ForwardConfirmations(IReadOnlyList<string> reservationIds)
    {
        if (Current.Record?.Chain is not [.., var parentId])
        {
            return;
        }
        confirmationsUp.AddRange(reservationIds);
        if (confirming is null || confirming.IsCompleted)
        {
            confirming = SendConfirmations(Link(parentId));
        }
    }

    private async Task SendConfirmations(IDelegationGrain parent)
    {
        await Task.Delay(ConfirmationLinger, CancellationToken.None);
        if (confirmationsUp.Count == 0)
        {
            return; // they went up with a reservation batch (ReserveForChildren)
        }
        var batch = TakeConfirmationsUp();
        try
        {
            await parent.ConfirmForChildren(batch);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Confirming {Count} holds to the parent of {Delegation} failed; they lapse and the ledger decides them",
                batch.Count, GrainKey);
        }
    }

    /// <summary>The confirmations waiting for the parent, handed over once: to a send of their own or to a reservation batch.</summary>
    private List<string> TakeConfirmationsUp()
    {
        List<string> taken = [.. confirmationsUp];
        confirmationsUp.Clear();
        return taken;
    }

    private async Task ConfirmHere(DelegationNotice notice)
    {
        if (!holds.TryGetValue(notice.ReservationId, out var hold) || !reservations.TryGetValue(notice.ReservationId, out var held))
        {
            // Not held here (this activation began after the hold, or the hold lapsed): the ledger says what counts.
            await Exclusive(() => Reconcile(notice.ReservationId));
            return;
        }
        holds.Remove(notice.ReservationId);
        if (notice.Direct)
        {
            Record(new DelegationActivity(notice.EntryId, DelegationRules.ActivityOf(hold.Action, hold.Replaced is null), "deal",
                notice.ReservationId, held.Amount, hold.At));
            dealsCreated += hold.Replaced is null ? 1 : 0;
        }
    }

    public async Task Abandon(string reservationId)
    {
        if (holds.ContainsKey(reservationId))
        {
            await Reconcile(reservationId);
        }
    }

    public Task Release(DelegationNotice notice)
    {
        holds.Remove(notice.ReservationId);
        if (Current.Record is { } current && reservations.Remove(notice.ReservationId, out var held))
        {
            var now = time.GetUtcNow();
            Counted(Without(current.Counters.At(now), held));
            if (notice.Direct)
            {
                Record(new DelegationActivity(notice.EntryId, "deal_cancelled", "deal", notice.ReservationId, held.Amount, now));
            }
        }
        return Task.CompletedTask;
    }

    public Task Settle(DelegationNotice notice)
    {
        holds.Remove(notice.ReservationId);
        if (Current.Record is { } current && reservations.TryGetValue(notice.ReservationId, out var held) && !held.Settled)
        {
            var now = time.GetUtcNow();
            var settled = held with { Settled = true };
            reservations[notice.ReservationId] = settled;
            Counted(Counting(Without(current.Counters.At(now), held), settled, 1));
            if (notice.Direct)
            {
                totalSpent += held.Amount;
                Record(new DelegationActivity(notice.EntryId, "deal_closed", "deal", notice.ReservationId, held.Amount, now));
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// A deal's reservation refused after it was held (its approval rejected or expired): dropped here and on every
    /// ancestor at once. The deal writes the release rows when it hears of the decision; until then a rebuilt link
    /// counts the reservation again (over-reserving, never over-spending).
    /// </summary>
    private async Task ReleaseUpTheChain(string dealId)
    {
        var notice = new DelegationNotice(dealId, Grains.Interfaces.Platform.ResourceIds.New("evt"));
        await Release(notice);
        foreach (var ancestor in Existing().Chain)
        {
            await Link(ancestor).Release(notice with { Direct = false });
        }
    }

    /// <summary>The reservations, counters, activity and totals from the ledger: the rows of the current month, the newest direct ones.</summary>
    private async Task Rebuild(DelegationView current, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var monthStart = new DateTimeOffset(now.UtcDateTime.Year, now.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var root = current.Chain is [var first, ..] ? first : current.Id;
        var read = await ledger.ReadAsync(Partition, current.Id, root, monthStart, DelegationApprovals.ActivityKept, cancellationToken);
        reservations.Clear();
        holds.Clear();
        Fold(reservations, read.Window);
        var counters = DelegationCounters.Empty(now);
        foreach (var reservation in reservations.Values)
        {
            counters = Counting(counters, reservation, 1);
        }
        // A window already past its alert threshold was warned when it crossed it.
        (counters, _) = Warnings(current, counters, now);
        spendActivity = [.. read.RecentDirect.Select(r => new DelegationActivity(r.Id, r.Activity, "deal", r.DealId, r.Amount, r.OccurredAt))];
        dealsCreated = read.DealsCreated;
        totalSpent = read.TotalSpent;
        prunedMonth = counters.Month;
        Current.Record = current with { Counters = counters };
    }

    /// <summary>Replaces what this link counts for a deal with what the ledger holds for it (nothing: released or never written).</summary>
    private async Task Reconcile(string dealId)
    {
        var current = Existing();
        var rows = await ledger.ReadDealAsync(Partition, current.Id, dealId);
        var truth = new Dictionary<string, DelegationReservation>(StringComparer.Ordinal);
        Fold(truth, rows);
        holds.Remove(dealId);
        var counters = Counting(Existing().Counters.At(time.GetUtcNow()), reservations.GetValueOrDefault(dealId), -1);
        if (truth.TryGetValue(dealId, out var counted))
        {
            reservations[dealId] = counted;
            counters = Counting(counters, counted, 1);
        }
        else
        {
            reservations.Remove(dealId);
        }
        Counted(counters);
    }

    /// <summary>
    /// Before a batch: holds past <see cref="HoldTimeout"/> are decided by the ledger, and reservations of past months
    /// (out of every window) are forgotten once a month.
    /// </summary>
    private async Task ReconcileExpiredHolds(DateTimeOffset now)
    {
        // Holds are taken with ExpiresAt = now + HoldTimeout, so none can have lapsed before the earliest one taken
        // since the last scan: a batch does not walk every pending hold.
        if (holds.Count > 0 && now >= earliestHoldExpiry)
        {
            var next = DateTimeOffset.MaxValue;
            List<string> lapsed = [];
            foreach (var (dealId, hold) in holds)
            {
                if (hold.ExpiresAt <= now)
                {
                    lapsed.Add(dealId);
                }
                else if (hold.ExpiresAt < next)
                {
                    next = hold.ExpiresAt;
                }
            }
            earliestHoldExpiry = next;
            foreach (var dealId in lapsed)
            {
                await Reconcile(dealId);
            }
        }
        var month = DelegationCounters.MonthOf(now);
        if (prunedMonth != month)
        {
            foreach (var old in reservations.Where(r => r.Value.Month < month && !holds.ContainsKey(r.Key)).Select(r => r.Key).ToList())
            {
                reservations.Remove(old);
            }
            prunedMonth = month;
        }
    }

    /// <summary>A deal's rows in version order, folded: the last reserve holds its amount in its day and month; release drops it; settle spends it.</summary>
    private static void Fold(Dictionary<string, DelegationReservation> into, IEnumerable<DelegationLedgerRow> rows)
    {
        foreach (var row in rows)
        {
            switch (row.Kind)
            {
                case LedgerKinds.Reserve:
                    into[row.DealId] = new DelegationReservation(row.Amount, DateOnly.FromDateTime(row.OccurredAt.UtcDateTime),
                        DelegationCounters.MonthOf(row.OccurredAt), Direct: row.Direct);
                    break;
                case LedgerKinds.Release:
                    into.Remove(row.DealId);
                    break;
                case LedgerKinds.Settle when into.TryGetValue(row.DealId, out var held):
                    into[row.DealId] = held with { Settled = true };
                    break;
            }
        }
    }

    /// <summary>The counters with a reservation added (<paramref name="sign"/> 1) or taken out (-1) in the windows it falls in.</summary>
    private static DelegationCounters Counting(DelegationCounters c, DelegationReservation? r, int sign)
    {
        if (r is null)
        {
            return c;
        }
        var today = r.Day == c.Day ? sign * r.Amount : 0;
        var month = r.Month == c.Month ? sign * r.Amount : 0;
        return r.Settled
            ? c with { SpentToday = c.SpentToday + today, SpentThisMonth = c.SpentThisMonth + month }
            : c with { ReservedToday = c.ReservedToday + today, ReservedThisMonth = c.ReservedThisMonth + month };
    }

    /// <summary>The record with new counters, in memory (the ledger is what makes them durable).</summary>
    private void Counted(DelegationCounters counters) => Current.Record = Existing() with { Counters = counters };

    private void Record(DelegationActivity entry)
    {
        if (spendActivity.Any(e => e.Id == entry.Id))
        {
            return;
        }
        spendActivity.Add(entry);
        if (spendActivity.Count > DelegationApprovals.ActivityKept)
        {
            spendActivity.RemoveRange(0, spendActivity.Count - DelegationApprovals.ActivityKept);
        }
    }

    /// <summary>Every activity entry (approvals from the state, spending from the ledger), oldest first, the newest kept.</summary>
    private List<DelegationActivity> AllActivity() =>
        [.. spendActivity.Concat(Current.Activity).OrderBy(e => e.OccurredAt).TakeLast(DelegationApprovals.ActivityKept)];

    /// <summary>A hold waiting for its deal: what it replaced (a raise), the action it was for, when, and until when it waits.</summary>
    private sealed record PendingHold(DelegationReservation? Replaced, string Action, DateTimeOffset At, DateTimeOffset ExpiresAt);
}
