using Grains.Interfaces.Telemetry;
using Stopwatch = System.Diagnostics.Stopwatch;
using Grains.Interfaces.Events;
using Grains.Platform.Telemetry;
using Grains.Interfaces.Webhooks;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Grains.Events;

/// <summary>
/// The event log of one partition (<c>{tenant}:{env}</c>). The store assigns sequences and keeps events; appends that
/// arrive while one is being written are written together in the next transaction (group commit), one batch at a time.
/// </summary>
/// <remarks>
/// <para>
/// The log owns the hand-off to webhook endpoints: an append returns once its events are stored, and a dispatch loop
/// hands them to the endpoints afterwards, batch after batch in sequence order, then moves the partition's durable
/// dispatch mark (<see cref="IEventLogStore.SetDispatchedThroughAsync"/>). So a producer's request never waits for
/// endpoints (however many there are), and an endpoint may take its time to make its deliveries durable.
/// </para>
/// <para>
/// A crash between the append and the hand-off loses nothing: every activation first sweeps the events after the mark
/// that are still pending and hands them on again, flagged as recovered (endpoints then skip what they already stored).
/// A reminder is registered before any wanted event's append returns, so a partition that goes quiet after a crash is
/// still woken up to do that sweep; it is removed once the log has handed on everything.
/// </para>
/// </remarks>
[Reentrant]
public sealed class EventLogGrain(IEventLogStore store, ILogger<EventLogGrain> logger) : Grain, IEventLogGrain, IRemindable
{
    public const string DispatchReminder = "event-log-dispatch";

    private const int MaxEventsPerBatch = 1000;

    // Larger than an append batch: a hand-off waits for endpoints to store deliveries (up to their insert hold), and
    // whatever was appended meanwhile goes in the next one.
    private const int MaxEventsPerDispatch = 5000;
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    // Operational back-off after a failed hand-off (wall clock, not business time).
    private static readonly TimeSpan DispatchRetryDelay = TimeSpan.FromSeconds(1);

    private readonly Queue<PendingAppend> queued = new();
    private readonly List<EventLogEntry> toDispatch = [];
    private readonly Queue<(long Through, long At)> storedAt = new(); // per fresh append: its last sequence, when stored
    private readonly SemaphoreSlim reminderGate = new(1, 1);
    private bool writing;
    private bool dispatching;
    private int wantedAppending; // appends of wanted events between their reminder check and their queueing
    private bool reminderOn;
    private bool deactivating;
    private bool retrying; // the last hand-off failed part-way: some endpoints may hold the batch already

    // The recovery sweep: pending events in (recoverFrom, recoverUpTo] were logged before this activation and may not
    // have been handed on. Everything this activation appends has a higher sequence than recoverUpTo.
    private long recoverFrom;
    private long recoverUpTo;

    // Every sequence up to this one is accounted for: handed to the dispatch loop, covered by the sweep, or wanted by
    // nobody. A repeated append of an event logged before is not dispatched twice; a sequence above it that this
    // activation did not write was written by another writer and is looked up (QueueForDispatch).
    private long queuedThrough;

    // Queued events another writer logged (QueueForDispatch): handed on flagged as recovered.
    private readonly HashSet<long> recoveredSequences = [];

    private string Partition => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var position = await store.DispatchPositionAsync(Partition, cancellationToken);
        (recoverFrom, recoverUpTo, queuedThrough) = (position.DispatchedThrough, position.LastSequence, position.LastSequence);
        if (recoverFrom < recoverUpTo)
        {
            StartDispatching();
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // What is not handed on yet is after the mark: the next activation sweeps it.
        deactivating = true;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<long>> Append(IReadOnlyList<OutboxEvent> events)
    {
        var append = new PendingAppend(events);
        queued.Enqueue(append);
        if (!writing)
        {
            writing = true;
            _ = WriteQueued();
        }
        return append.Done.Task;
    }

    public Task<EventLogPage> Query(EventLogQuery query, CancellationToken cancellationToken = default) =>
        store.QueryAsync(Partition, query, cancellationToken);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        SalesboothMetrics.ReminderTick(reminderName);
        if (reminderName != DispatchReminder || !Idle)
        {
            // The activation started the sweep already; the loop is working.
            return;
        }
        if (await SweepTail())
        {
            return;
        }
        await reminderGate.WaitAsync();
        try
        {
            // Everything is handed on: stop waking up. (Appends register it again, after this, under the same gate.)
            if (Idle)
            {
                reminderOn = false;
                if (await this.GetReminder(DispatchReminder) is { } reminder)
                {
                    await this.UnregisterReminder(reminder);
                }
            }
        }
        finally
        {
            reminderGate.Release();
        }
    }

    /// <summary>
    /// Sweeps events logged after everything this activation accounted for, when it is idle: the append of an earlier
    /// activation that committed after this one's last append (nothing else of this activation would see them).
    /// </summary>
    /// <returns>Whether there was such a tail (the loop is now handing it on).</returns>
    private async Task<bool> SweepTail()
    {
        var accounted = queuedThrough;
        var position = await store.DispatchPositionAsync(Partition);
        // An append that ran meanwhile looks below its own sequences itself.
        if (position.LastSequence <= accounted || accounted != queuedThrough || writing || !Idle)
        {
            return false;
        }
        (recoverFrom, recoverUpTo, queuedThrough) = (accounted, position.LastSequence, position.LastSequence);
        StartDispatching();
        return true;
    }

    private bool Idle => !dispatching && wantedAppending == 0 && toDispatch.Count == 0 && recoverFrom >= recoverUpTo;

    /// <summary>Writes what is queued, batch after batch, until nothing is (runs on the grain's scheduler).</summary>
    private async Task WriteQueued()
    {
        try
        {
            while (queued.Count > 0)
            {
                var batch = new List<PendingAppend>();
                var count = 0;
                while (queued.Count > 0 && (batch.Count == 0 || count + queued.Peek().Events.Count <= MaxEventsPerBatch))
                {
                    var next = queued.Dequeue();
                    count += next.Events.Count;
                    batch.Add(next);
                }
                try
                {
                    var sequences = await AppendBatch([.. batch.SelectMany(a => a.Events)]);
                    var offset = 0;
                    foreach (var append in batch)
                    {
                        append.Done.TrySetResult([.. sequences.Skip(offset).Take(append.Events.Count)]);
                        offset += append.Events.Count;
                    }
                }
                catch (Exception ex)
                {
                    // Each producer keeps its events in its outbox and tries again.
                    batch.ForEach(a => a.Done.TrySetException(ex));
                }
            }
        }
        finally
        {
            writing = false;
        }
    }

    private async Task<IReadOnlyList<long>> AppendBatch(IReadOnlyList<OutboxEvent> events)
    {
        // An event no endpoint wants is logged as delivered (nothing is owed), saving a status write per change.
        var directory = GrainFactory.GetGrain<IWebhookDirectoryGrain>(Partition);
        var wanted = await directory.Wanted([.. events.Select(e => e.Type)]);
        var statuses = wanted.Select(w => w ? EventStatuses.Pending : EventStatuses.Delivered).ToList();
        var anyWanted = wanted.Any(w => w);

        // The reminder is on before the append returns (a crash after it must still wake this log up to hand the
        // events on), and a reminder tick cannot remove it until the events are queued.
        if (anyWanted)
        {
            wantedAppending++;
        }
        try
        {
            if (anyWanted)
            {
                await EnsureReminder();
            }
            var sequences = await store.AppendAsync(Partition, events, statuses);
            await QueueForDispatch(events, statuses, sequences);
            return sequences;
        }
        finally
        {
            if (anyWanted)
            {
                wantedAppending--;
            }
        }
    }

    /// <summary>
    /// Queues this append's pending events for the hand-off, after any pending event another writer logged between
    /// the last sequence this activation accounted for and this append's own.
    /// </summary>
    /// <remarks>
    /// Another writer is an earlier activation of this log still finishing an append while it deactivates (a silo
    /// shutting down), whose events get sequences after the ones this activation read at its start. Without this,
    /// this activation's hand-offs would move the mark past them and they would stay pending for good. Only this
    /// activation's appends (one batch at a time) move <see cref="queuedThrough"/>, so every sequence up to it is
    /// accounted for: swept, queued here, or wanted by nobody.
    /// </remarks>
    private async Task QueueForDispatch(IReadOnlyList<OutboxEvent> events, IReadOnlyList<string> statuses, IReadOnlyList<long> sequences)
    {
        var mine = events
            .Select((e, i) => new EventLogEntry(e.Id, sequences[i], e.Type, statuses[i], e.CreatedAt, e.DataJson, e.TraceParent))
            .Where(e => e.Sequence > queuedThrough)
            .DistinctBy(e => e.Sequence)
            .OrderBy(e => e.Sequence)
            .ToList();
        if (mine.Count == 0)
        {
            return;
        }

        var through = mine[^1].Sequence;
        var queue = mine.Where(e => e.Status == EventStatuses.Pending).ToList();
        if (through - queuedThrough > mine.Count)
        {
            var own = mine.Select(e => e.Sequence).ToHashSet();
            var others = (await PendingBetween(queuedThrough, through)).Where(e => !own.Contains(e.Sequence)).ToList();
            if (others.Count > 0)
            {
                logger.LogWarning("Event log {Partition}: {Count} pending events in ({From}, {Through}] were logged by another writer; handing them on",
                    Partition, others.Count, queuedThrough, through);
                others.ForEach(e => recoveredSequences.Add(e.Sequence));
                queue = [.. queue.Concat(others).OrderBy(e => e.Sequence)];
            }
        }
        queuedThrough = through;
        if (queue.Count > 0)
        {
            storedAt.Enqueue((through, Stopwatch.GetTimestamp()));
            toDispatch.AddRange(queue);
            StartDispatching();
        }
    }

    /// <summary>The pending events with a sequence in (<paramref name="after"/>, <paramref name="through"/>], in order.</summary>
    private async Task<List<EventLogEntry>> PendingBetween(long after, long through)
    {
        var found = new List<EventLogEntry>();
        while (after < through)
        {
            var page = await store.QueryAsync(Partition,
                new EventLogQuery(SinceSequence: after, Status: EventStatuses.Pending, Limit: EventLogRules.MaxLimit));
            found.AddRange(page.Events.Where(e => e.Sequence <= through));
            if (!page.HasMore || page.Events.Count == 0)
            {
                break;
            }
            after = page.Events[^1].Sequence;
        }
        return found;
    }

    private void StartDispatching()
    {
        if (!dispatching)
        {
            dispatching = true;
            _ = DispatchQueued();
        }
    }

    /// <summary>Hands on the sweep's events, then the queued ones, in sequence order, moving the mark after each batch.</summary>
    private async Task DispatchQueued()
    {
        try
        {
            while (!deactivating)
            {
                var sweeping = recoverFrom < recoverUpTo;
                List<EventLogEntry> batch;
                long through;
                if (sweeping)
                {
                    var page = await store.QueryAsync(Partition,
                        new EventLogQuery(SinceSequence: recoverFrom, Status: EventStatuses.Pending, Limit: EventLogRules.MaxLimit));
                    batch = [.. page.Events.Where(e => e.Sequence <= recoverUpTo)];
                    through = page.HasMore && batch.Count == page.Events.Count ? batch[^1].Sequence : recoverUpTo;
                }
                else if (toDispatch.Count > 0)
                {
                    batch = [.. toDispatch.Take(MaxEventsPerDispatch)];
                    through = batch[^1].Sequence;
                }
                else
                {
                    break;
                }

                if (batch.Count > 0)
                {
                    await EnsureReminder();
                    var recovered = sweeping || retrying || batch.Any(e => recoveredSequences.Contains(e.Sequence));
                    await HandOn(batch, recovered);
                }
                retrying = false;
                if (sweeping)
                {
                    recoverFrom = through;
                }
                else
                {
                    toDispatch.RemoveRange(0, batch.Count);
                    while (storedAt.TryPeek(out var append) && append.Through <= through)
                    {
                        SalesboothMetrics.EventHandedOff(storedAt.Dequeue().At);
                    }
                    batch.ForEach(e => recoveredSequences.Remove(e.Sequence));
                }
                await MarkDispatched(through);
            }
        }
        catch (Exception ex)
        {
            // Nothing was dropped: the batch is still queued (or the sweep still at it). Try again shortly.
            logger.LogWarning(ex, "Handing events of {Partition} to its webhook endpoints failed; retrying", Partition);
            retrying = true;
            await Task.Delay(DispatchRetryDelay);
            dispatching = false;
            if (!deactivating)
            {
                StartDispatching();
            }
            return;
        }
        dispatching = false;
    }

    /// <summary>
    /// Hands each event to every endpoint the directory routes it to (returns when all have stored it); an event logged
    /// as delivered (nobody wanted it at its append) that an endpoint registered since now takes becomes pending.
    /// </summary>
    /// <param name="recovered">The sweep after a crash, or a retry: endpoints skip deliveries they already stored.</param>
    private async Task HandOn(IReadOnlyList<EventLogEntry> batch, bool recovered)
    {
        var routes = await GrainFactory.GetGrain<IWebhookDirectoryGrain>(Partition).Routes();
        var targets = routes
            .Select(r => (r.WebhookId, Events: batch.Where(e => WebhookEventPatterns.Matches(r.Events, e.Type)).ToList()))
            .Where(t => t.Events.Count > 0)
            .ToList();
        await Task.WhenAll(targets.Select(t =>
            GrainFactory.GetGrain<IWebhookEndpointGrain>(WebhookKeys.Grain(Partition, t.WebhookId)).Enqueue(t.Events, recovered)));

        var nowWanted = targets.SelectMany(t => t.Events).Where(e => e.Status == EventStatuses.Delivered).DistinctBy(e => e.Id).ToList();
        if (nowWanted.Count > 0)
        {
            await store.SetStatusesAsync([.. nowWanted.Select(e => new EventStatusChange(Partition, e.Id, EventStatuses.Pending))]);
        }
    }

    private async Task MarkDispatched(long through)
    {
        try
        {
            await store.SetDispatchedThroughAsync(Partition, through);
        }
        catch (Exception ex)
        {
            // The events are handed on; a later batch moves the mark past them. A crash before that repeats them.
            logger.LogWarning(ex, "Moving the dispatch mark of {Partition} to {Sequence} failed", Partition, through);
        }
    }

    private async Task EnsureReminder()
    {
        if (reminderOn)
        {
            return;
        }
        await reminderGate.WaitAsync();
        try
        {
            if (!reminderOn)
            {
                await this.RegisterOrUpdateReminder(DispatchReminder, ReminderPeriod, ReminderPeriod);
                reminderOn = true;
            }
        }
        finally
        {
            reminderGate.Release();
        }
    }

    private sealed record PendingAppend(IReadOnlyList<OutboxEvent> Events)
    {
        public TaskCompletionSource<IReadOnlyList<long>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
