using Grains.Interfaces.Webhooks;

namespace Grains.Webhooks.Storage;

/// <summary>Deliveries of the embedded topology: one locked dictionary.</summary>
public sealed class InMemoryWebhookDeliveryStore : IWebhookDeliveryStore
{
    private readonly Lock gate = new();
    private readonly Dictionary<DeliveryKey, WebhookDelivery> rows = [];

    public Task<IReadOnlySet<DeliveryKey>> WriteAsync(IReadOnlyList<WebhookDelivery> inserts, IReadOnlyList<WebhookDelivery> updates,
        CancellationToken cancellationToken = default)
    {
        var inserted = new HashSet<DeliveryKey>();
        lock (gate)
        {
            foreach (var row in inserts)
            {
                if (rows.TryAdd(DeliveryKey.Of(row), row))
                {
                    inserted.Add(DeliveryKey.Of(row));
                }
            }
            foreach (var row in updates)
            {
                if (rows.TryGetValue(DeliveryKey.Of(row), out var stored) && WebhookDeliveryRules.MayReplace(stored, row))
                {
                    // The attempt fields only, as the PostgreSQL update: what identifies the delivery stays as stored.
                    rows[DeliveryKey.Of(row)] = stored with
                    {
                        Status = row.Status, Attempts = row.Attempts, MaxAttempts = row.MaxAttempts, ResponseCode = row.ResponseCode,
                        ErrorMessage = row.ErrorMessage, NextAttemptAt = row.NextAttemptAt, FirstAttemptAt = row.FirstAttemptAt,
                        DeliveredAt = row.DeliveredAt, RetriedAt = row.RetriedAt, UpdatedAt = row.UpdatedAt,
                    };
                }
            }
        }
        return Task.FromResult<IReadOnlySet<DeliveryKey>>(inserted);
    }

    public Task<IReadOnlyList<WebhookDelivery>> PendingAsync(string partition, string webhookId, int limit, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            return Task.FromResult<IReadOnlyList<WebhookDelivery>>([.. WebhookDeliveryRules.InEventOrder(rows.Values
                .Where(d => d.Partition == partition && d.WebhookId == webhookId && d.Status == WebhookKeys.DeliveryPending))
                .Take(limit)]);
        }
    }

    public Task<WebhookDelivery?> GetAsync(string partition, string deliveryId, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            return Task.FromResult(rows.GetValueOrDefault(new DeliveryKey(partition, deliveryId)));
        }
    }

    public Task<WebhookDeliveryPage> QueryAsync(string partition, WebhookDeliveryQuery query, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            var matching = rows.Values.Where(d => d.Partition == partition && WebhookDeliveryRules.Matches(d, query)).ToList();
            return Task.FromResult(new WebhookDeliveryPage(
                [.. WebhookDeliveryRules.Newest(matching).Skip(query.Offset).Take(query.Limit)], matching.Count));
        }
    }

    public Task<IReadOnlyList<EventDeliveryCounts>> CountsAsync(IReadOnlyCollection<EventKey> events, CancellationToken cancellationToken = default)
    {
        var wanted = events.ToHashSet();
        lock (gate)
        {
            var counts = rows.Values
                .Where(d => wanted.Contains(new EventKey(d.Partition, d.EventId)))
                .GroupBy(d => new EventKey(d.Partition, d.EventId))
                .Select(g => new EventDeliveryCounts(g.Key,
                    g.Count(d => d.Status == WebhookKeys.DeliveryPending),
                    g.Count(d => d.Status == WebhookKeys.DeliverySuccess),
                    g.Count(d => d.Status == WebhookKeys.DeliveryFailed)))
                .ToList();
            return Task.FromResult<IReadOnlyList<EventDeliveryCounts>>(counts);
        }
    }

    public Task<int> DeletePendingAsync(string partition, string webhookId, CancellationToken cancellationToken = default) =>
        Delete(d => d.Partition == partition && d.WebhookId == webhookId && d.Status == WebhookKeys.DeliveryPending, int.MaxValue);

    public Task<int> DeleteSucceededBeforeAsync(string partition, DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default) =>
        Delete(d => d.Partition == partition && d.Status == WebhookKeys.DeliverySuccess && d.CreatedAt < cutoff, batchSize);

    private Task<int> Delete(Func<WebhookDelivery, bool> predicate, int max)
    {
        lock (gate)
        {
            var doomed = rows.Where(r => predicate(r.Value)).OrderBy(r => r.Value.CreatedAt).Take(max).Select(r => r.Key).ToList();
            doomed.ForEach(key => rows.Remove(key));
            return Task.FromResult(doomed.Count);
        }
    }
}
