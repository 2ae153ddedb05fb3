using Grains.Events;
using Grains.Interfaces.Events;
using Grains.Interfaces.Webhooks;
using Microsoft.Extensions.Logging;

namespace Grains.Webhooks.Storage;

/// <summary>
/// Batches the delivery writes of all endpoint grains on a silo: whatever arrives while one flush runs goes into the
/// next, so a busy silo writes many rows per round trip and an idle one writes each at once (no added delay). After
/// each flush it brings the affected events' status in the log up to date. A caller's task completes when its rows
/// are durable (or faults with the store's error).
/// </summary>
public sealed class WebhookDeliveryWriter(IWebhookDeliveryStore store, IEventLogStore events, ILogger<WebhookDeliveryWriter> logger)
{
    private const int MaxRowsPerFlush = 2000;

    private readonly Lock gate = new();
    private readonly List<Request> queued = [];
    private bool flushing;

    /// <summary>Inserts new rows (keeping stored ones); returns the keys that were new.</summary>
    public async Task<IReadOnlySet<DeliveryKey>> InsertAsync(IReadOnlyList<WebhookDelivery> rows)
    {
        if (rows.Count == 0)
        {
            return new HashSet<DeliveryKey>();
        }
        var request = new Request(rows, Insert: true);
        Enqueue(request);
        return await request.Done.Task;
    }

    /// <summary>Stores the rows as they are now.</summary>
    public async Task SaveAsync(IReadOnlyList<WebhookDelivery> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }
        var request = new Request(rows, Insert: false);
        Enqueue(request);
        await request.Done.Task;
    }

    private void Enqueue(Request request)
    {
        lock (gate)
        {
            queued.Add(request);
            if (flushing)
            {
                return;
            }
            flushing = true;
        }
        // Off the caller's (grain's) scheduler: the flush loop serves every grain of the silo.
        _ = Task.Run(FlushLoop);
    }

    private async Task FlushLoop()
    {
        while (true)
        {
            List<Request> batch;
            lock (gate)
            {
                if (queued.Count == 0)
                {
                    flushing = false;
                    return;
                }
                batch = Take();
            }
            await Flush(batch);
        }
    }

    private List<Request> Take()
    {
        var batch = new List<Request>();
        var rows = 0;
        while (queued.Count > 0 && (batch.Count == 0 || rows + queued[0].Rows.Count <= MaxRowsPerFlush))
        {
            rows += queued[0].Rows.Count;
            batch.Add(queued[0]);
            queued.RemoveAt(0);
        }
        return batch;
    }

    private async Task Flush(List<Request> batch)
    {
        try
        {
            // One row per key and kind: a later save of the same delivery supersedes an earlier one in the batch.
            var inserts = batch.Where(r => r.Insert).SelectMany(r => r.Rows).DistinctBy(DeliveryKey.Of).ToList();
            var upserts = batch.Where(r => !r.Insert).SelectMany(r => r.Rows)
                .GroupBy(DeliveryKey.Of).Select(g => g.Last()).ToList();
            var inserted = await store.WriteAsync(inserts, upserts);
            foreach (var request in batch)
            {
                request.Done.TrySetResult(inserted);
            }
            // Only what can change an event's status: a settled delivery, or a replay making a delivered event pending again
            // (original deliveries are pending from the start, as their event is).
            await UpdateEventStatuses(inserts.Where(d => d.IsReplay).Concat(upserts.Where(d => d.Status != WebhookKeys.DeliveryPending)));
        }
        catch (Exception ex)
        {
            foreach (var request in batch)
            {
                request.Done.TrySetException(ex);
            }
        }
    }

    private async Task UpdateEventStatuses(IEnumerable<WebhookDelivery> rows)
    {
        var touched = rows.Select(d => new EventKey(d.Partition, d.EventId)).Distinct().ToList();
        if (touched.Count == 0)
        {
            return;
        }
        try
        {
            var counts = await store.CountsAsync(touched);
            await events.SetStatusesAsync([.. counts.Select(c =>
                new EventStatusChange(c.Event.Partition, c.Event.EventId, EventStatuses.From(c.Pending, c.Succeeded, c.Failed)))]);
        }
        catch (Exception ex)
        {
            // The deliveries are stored; the log's status catches up with the event's next delivery write.
            logger.LogWarning(ex, "Updating event delivery statuses failed");
        }
    }

    private sealed record Request(IReadOnlyList<WebhookDelivery> Rows, bool Insert)
    {
        public TaskCompletionSource<IReadOnlySet<DeliveryKey>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
