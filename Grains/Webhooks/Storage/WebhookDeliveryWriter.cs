using Grains.Events;
using Grains.Interfaces.Events;
using Grains.Interfaces.Webhooks;
using Grains.Platform;
using Microsoft.Extensions.Logging;

namespace Grains.Webhooks.Storage;

/// <summary>
/// Batches the delivery writes of all endpoint grains on a silo (<see cref="GroupCommit{TItem, TResult}"/>): whatever
/// arrives while one flush runs goes into the next, so a busy silo writes many rows per round trip and an idle one
/// writes each at once (no added delay). A caller's task completes when its rows are durable (or faults with the
/// store's error).
/// </summary>
/// <remarks>
/// <para>
/// A delivery is written as pending before (or while) it is first attempted, then again with the outcome. When the
/// outcome arrives while the pending row is still waiting for its flush, the outcome takes the pending row's place:
/// one row written instead of two, and the save completes with that flush. Live hand-offs make that the rule: their
/// inserts are held until every row has an outcome or <see cref="InsertHold"/> has passed (the event log, not a
/// producer, waits for them). Otherwise the outcome is an update, sent only after the insert has committed (an update
/// of a row not yet stored would change nothing).
/// </para>
/// <para>
/// The affected events' status in the log is brought up to date by a second group-commit queue, after the rows are
/// written and off the writers' path, at most one pass per <see cref="StatusPassInterval"/>: counting an event's
/// deliveries costs PostgreSQL as much as writing them, and an event whose deliveries settle over a second is then
/// counted once or twice instead of once per flush. The status therefore trails the deliveries by up to about
/// that interval (plus the pass itself); the deliveries themselves are never delayed.
/// </para>
/// </remarks>
public sealed class WebhookDeliveryWriter
{
    private const int MaxRequestsPerFlush = 500;
    private const int MaxEventsPerStatusPass = 5000;

    // Two flushes side by side: one flush keeps one PostgreSQL backend busy, and under load that backend was the
    // bound while the rest of the machine idled. Rows of one delivery never race: an update waits for the insert,
    // and a later attempt's update cannot undo a newer one (the store keeps the most attempts).
    private const int ConcurrentFlushes = 2;

    /// <summary>The default <see cref="InsertHold"/>.</summary>
    public static readonly TimeSpan DefaultInsertHold = TimeSpan.FromSeconds(1);

    /// <summary>Least time between two status passes: a batching window (wall-clock), not business time.</summary>
    public static readonly TimeSpan StatusPassInterval = TimeSpan.FromSeconds(1);

    private readonly IWebhookDeliveryStore store;
    private readonly IEventLogStore events;
    private readonly ILogger<WebhookDeliveryWriter> logger;
    private readonly GroupCommit<Request, IReadOnlySet<DeliveryKey>> writes;
    private readonly GroupCommit<EventKey, bool> statuses;

    // Inserts submitted and not yet finished, by delivery: what a save of the same delivery folds into or waits for.
    private readonly Lock gate = new();
    private readonly Dictionary<DeliveryKey, Request> unfinishedInserts = [];

    /// <summary>
    /// Longest a held insert (<see cref="InsertAsync"/>) waits for its rows' first outcomes: a batching window
    /// (wall clock), not business time. Under load most deliveries are answered within it, so most are written once.
    /// </summary>
    public TimeSpan InsertHold { get; init; } = DefaultInsertHold;

    public WebhookDeliveryWriter(IWebhookDeliveryStore store, IEventLogStore events, ILogger<WebhookDeliveryWriter> logger)
    {
        this.store = store;
        this.events = events;
        this.logger = logger;
        writes = new(FlushAsync, MaxRequestsPerFlush, ConcurrentFlushes);
        statuses = new(UpdateStatusesAsync, MaxEventsPerStatusPass);
    }

    /// <summary>
    /// Inserts new rows (keeping stored ones); returns the keys that were new, once they are durable.
    /// <paramref name="holdForOutcomes"/>: the rows wait (up to <see cref="InsertHold"/>) for their first outcomes,
    /// which replace them, and are written when all have one or the hold ends, whichever is first.
    /// </summary>
    public Task<IReadOnlySet<DeliveryKey>> InsertAsync(IReadOnlyList<WebhookDelivery> rows, bool holdForOutcomes = false)
    {
        if (rows.Count == 0)
        {
            return Task.FromResult<IReadOnlySet<DeliveryKey>>(new HashSet<DeliveryKey>());
        }
        var request = new Request([.. rows], insert: true, held: holdForOutcomes);
        lock (gate)
        {
            foreach (var row in rows)
            {
                unfinishedInserts[DeliveryKey.Of(row)] = request;
            }
        }
        if (!holdForOutcomes)
        {
            return writes.SubmitAsync(request);
        }
        _ = ReleaseAfterHold(request);
        return request.Finished.Task;
    }

    private async Task ReleaseAfterHold(Request request)
    {
        await Task.Delay(InsertHold, CancellationToken.None);
        Release(request);
    }

    /// <summary>Sends a held insert to the writers (once); its <see cref="Request.Finished"/> completes with the flush.</summary>
    private void Release(Request request)
    {
        lock (gate)
        {
            if (!request.TryRelease())
            {
                return;
            }
        }
        // Finish() completes or faults request.Finished; this task only carries the same outcome.
        _ = writes.SubmitAsync(request).ContinueWith(static t => t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Stores the rows as they are now (rows of deliveries this writer never inserted or saw stored are ignored).</summary>
    public async Task SaveAsync(IReadOnlyList<WebhookDelivery> rows)
    {
        foreach (var row in rows)
        {
            await SaveAsync(row);
        }
    }

    private async Task SaveAsync(WebhookDelivery row)
    {
        var key = DeliveryKey.Of(row);
        Request? insert;
        bool folded;
        var complete = false;
        lock (gate)
        {
            folded = unfinishedInserts.TryGetValue(key, out insert) && insert.TryReplace(row);
            complete = folded && insert!.AllReplaced;
        }
        if (complete)
        {
            // Every row of a held insert has its outcome: nothing left to wait for.
            Release(insert!);
        }
        if (insert is not null)
        {
            var inserted = await insert.Finished.Task;
            if (folded && inserted.Contains(key))
            {
                return;
            }
        }
        // Not folded, or the pending row existed before (a repeated hand-off): update what is stored.
        await writes.SubmitAsync(new Request([row], insert: false));
    }

    private async Task<IReadOnlyList<IReadOnlySet<DeliveryKey>>> FlushAsync(IReadOnlyList<Request> batch, CancellationToken cancellationToken)
    {
        List<WebhookDelivery> inserts;
        lock (gate)
        {
            // From here a save can no longer fold into these inserts; it waits for them instead.
            inserts = [.. batch.Where(r => r.Insert).SelectMany(r => r.Take())];
        }
        try
        {
            // Key order: concurrent flushes lock rows in the same order, so they cannot deadlock. One row per key and
            // kind: a later save of the same delivery supersedes an earlier one in the batch.
            inserts = [.. inserts.DistinctBy(DeliveryKey.Of).Order(KeyOrder.Instance)];
            var updates = batch.Where(r => !r.Insert).SelectMany(r => r.Rows)
                .GroupBy(DeliveryKey.Of).Select(g => g.Last()).Order(KeyOrder.Instance).ToList();
            var inserted = await store.WriteAsync(inserts, updates, cancellationToken);
            Finish(batch, inserted, null);

            // Only what can change an event's status: a settled delivery, or a replay making a delivered event pending again
            // (original deliveries are pending from the start, as their event is).
            foreach (var key in inserts.Where(d => d.IsReplay || d.Status != WebhookKeys.DeliveryPending)
                         .Concat(updates.Where(d => d.Status != WebhookKeys.DeliveryPending))
                         .Select(d => new EventKey(d.Partition, d.EventId)).Distinct())
            {
                _ = statuses.SubmitAsync(key);
            }
            return [.. batch.Select(_ => inserted)];
        }
        catch (Exception ex)
        {
            Finish(batch, null, ex);
            throw;
        }
    }

    private void Finish(IReadOnlyList<Request> batch, IReadOnlySet<DeliveryKey>? inserted, Exception? error)
    {
        lock (gate)
        {
            foreach (var request in batch.Where(r => r.Insert))
            {
                foreach (var row in request.Rows)
                {
                    if (unfinishedInserts.TryGetValue(DeliveryKey.Of(row), out var registered) && registered == request)
                    {
                        unfinishedInserts.Remove(DeliveryKey.Of(row));
                    }
                }
            }
        }
        foreach (var request in batch)
        {
            if (error is null)
            {
                request.Finished.TrySetResult(inserted!);
            }
            else
            {
                request.Finished.TrySetException(error);
            }
        }
    }

    private async Task<IReadOnlyList<bool>> UpdateStatusesAsync(IReadOnlyList<EventKey> touched, CancellationToken cancellationToken)
    {
        try
        {
            var counts = await store.CountsAsync([.. touched.Distinct()], cancellationToken);
            await events.SetStatusesAsync([.. counts.Select(c =>
                new EventStatusChange(c.Event.Partition, c.Event.EventId, EventStatuses.From(c.Pending, c.Succeeded, c.Failed)))], cancellationToken);
        }
        catch (Exception ex)
        {
            // The deliveries are stored; the log's status catches up with the event's next delivery write.
            logger.LogWarning(ex, "Updating event delivery statuses failed");
        }
        // Events touched meanwhile wait for the next pass, so each is counted once for all its deliveries that settled.
        await Task.Delay(StatusPassInterval, CancellationToken.None);
        return [.. touched.Select(_ => true)];
    }

    private sealed class KeyOrder : IComparer<WebhookDelivery>
    {
        public static readonly KeyOrder Instance = new();

        public int Compare(WebhookDelivery? x, WebhookDelivery? y)
        {
            var c = string.CompareOrdinal(x?.Partition, y?.Partition);
            return c != 0 ? c : string.CompareOrdinal(x?.DeliveryId, y?.DeliveryId);
        }
    }

    /// <summary>Rows to insert or update; an insert's rows can still be replaced by their outcome until a flush takes them.</summary>
    private sealed class Request(WebhookDelivery[] rows, bool insert, bool held = false)
    {
        private readonly bool[] replaced = new bool[rows.Length];
        private int replacedCount;
        private bool taken;
        private bool released = !held;

        public bool Insert => insert;

        public WebhookDelivery[] Rows => rows;

        /// <summary>Under the writer's lock: every row has been replaced by an outcome.</summary>
        public bool AllReplaced => replacedCount == rows.Length;

        /// <summary>Completes when the flush holding this request has committed (or failed), for savers waiting on it.</summary>
        public TaskCompletionSource<IReadOnlySet<DeliveryKey>> Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Under the writer's lock: swaps in a newer version of one of the rows, unless a flush has taken them.</summary>
        public bool TryReplace(WebhookDelivery row)
        {
            if (taken)
            {
                return false;
            }
            var index = Array.FindIndex(rows, r => r.DeliveryId == row.DeliveryId && r.Partition == row.Partition);
            if (index < 0)
            {
                return false;
            }
            rows[index] = row;
            if (!replaced[index])
            {
                replaced[index] = true;
                replacedCount++;
            }
            return true;
        }

        /// <summary>Under the writer's lock: true once for a held request (it may now go to a flush).</summary>
        public bool TryRelease()
        {
            if (released)
            {
                return false;
            }
            released = true;
            return true;
        }

        /// <summary>Under the writer's lock: the rows as they go to the store.</summary>
        public WebhookDelivery[] Take()
        {
            taken = true;
            return rows;
        }
    }
}
