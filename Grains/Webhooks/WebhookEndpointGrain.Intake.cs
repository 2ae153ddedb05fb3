using System.Security.Cryptography;
using System.Text;
using Grains.Interfaces.Events;
using Grains.Interfaces.Webhooks;
using Grains.Webhooks.Storage;

namespace Grains.Webhooks;

/// <summary>
/// The intake half: events handed on by the log become delivery rows (one per event, its id derived from endpoint
/// and event) and enter the delivery queue; after a deactivation the queue is reloaded from the pending rows.
/// </summary>
public sealed partial class WebhookEndpointGrain
{
    private const int PendingPageSize = 5000;

    public async Task Enqueue(IReadOnlyList<EventLogEntry> events, bool recovered = false)
    {
        if (state.State.Record is not { Status: not WebhookKeys.Disabled } record)
        {
            return;
        }
        var now = time.GetUtcNow();
        var rows = events
            .Select(e => NewDelivery(record, e, OriginalDeliveryId(e.Id), isReplay: false, now))
            .Where(d => !queue.Contains(d.DeliveryId))
            .ToList();
        if (recovered)
        {
            await AcceptStoredFirst(rows);
        }
        else
        {
            // The log's dispatch waits for this, not a producer: let the rows wait for their outcomes (one write each).
            // A paused endpoint sends nothing, so there is nothing to wait for: the next batch is not held up.
            await Accept(rows, holdForOutcomes: record.Status == WebhookKeys.Active);
        }
    }

    /// <summary>The id of an event's original delivery to this endpoint: derived, so a repeated hand-off finds it.</summary>
    private string OriginalDeliveryId(string eventId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{Partition}/{WebhookId}/{eventId}"));
        return $"{WebhookKeys.DeliveryPrefix}_{Convert.ToHexStringLower(hash.AsSpan(0, 12))}";
    }

    private WebhookDelivery NewDelivery(WebhookRecord record, EventLogEntry entry, string deliveryId, bool isReplay, DateTimeOffset now) =>
        new(deliveryId, Partition, WebhookId, entry.Id, entry.Sequence, entry.Type, WebhookPayloads.For(entry),
            WebhookKeys.DeliveryPending, 0, WebhookSchedule.MaxAttempts(record.RetryPolicy), null, null, isReplay, now, now,
            null, null, null, now, entry.TraceParent);

    /// <summary>
    /// Stores new deliveries and starts them at once: the first attempts run while the pending rows wait for their
    /// flush, so an outcome that arrives first is written in their place (<see cref="WebhookDeliveryWriter"/>);
    /// <paramref name="holdForOutcomes"/> lets the rows wait for that on purpose. Returns once the rows are durable,
    /// which is what the event log's hand-off waits for. A row that was stored already (an event handed off again) is
    /// not ours to send: it leaves the queue unless its attempt has begun, in which case the receiver may see it
    /// twice (at least once).
    /// </summary>
    private async Task Accept(IReadOnlyList<WebhookDelivery> rows, bool holdForOutcomes = false)
    {
        if (rows.Count == 0)
        {
            return;
        }
        var inserting = writer.InsertAsync(rows, holdForOutcomes);
        foreach (var row in rows)
        {
            queue.TryAdd(row);
        }
        await StartReminder();
        Pump();

        var inserted = await inserting;
        foreach (var row in rows.Where(r => !inserted.Contains(DeliveryKey.Of(r))))
        {
            queue.RemoveWaiting(row.DeliveryId);
        }
    }

    /// <summary>
    /// Stores new deliveries, then starts only those that were new: the log's sweep after a crash hands on events
    /// that were mostly delivered already, and a stored delivery is not sent again.
    /// </summary>
    private async Task AcceptStoredFirst(IReadOnlyList<WebhookDelivery> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }
        var inserted = await writer.InsertAsync(rows);
        var fresh = rows.Where(r => inserted.Contains(DeliveryKey.Of(r)) && !queue.Contains(r.DeliveryId)).ToList();
        if (fresh.Count == 0)
        {
            return;
        }
        foreach (var row in fresh)
        {
            queue.TryAdd(row);
        }
        await StartReminder();
        Pump();
    }

    private async Task LoadPending(CancellationToken cancellationToken = default)
    {
        foreach (var row in await store.PendingAsync(Partition, WebhookId, PendingPageSize, cancellationToken))
        {
            queue.TryAdd(row);
        }
        if (queue.Count > 0)
        {
            await StartReminder();
            Pump();
        }
    }
}
