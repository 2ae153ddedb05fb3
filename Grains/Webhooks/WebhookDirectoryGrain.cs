using Grains.Events;
using Grains.Interfaces.Events;
using Grains.Interfaces.Webhooks;
using Grains.Webhooks.Storage;

namespace Grains.Webhooks;

[GenerateSerializer, Alias("webhooks.directory-state")]
public sealed class WebhookDirectoryState
{
    [Id(0)] public Dictionary<string, WebhookSubscription> Subscriptions { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// A partition's webhook endpoints (key <c>{tenant}:{env}</c>). Endpoint grains keep it told of their settings; the
/// event log asks it which endpoints take which events (<see cref="Routes"/>) and hands them on itself. Endpoints
/// that are disabled get nothing (replay recovers after re-enabling); paused ones accumulate.
/// </summary>
public sealed class WebhookDirectoryGrain(
    [PersistentState("webhook-directory")] IPersistentState<WebhookDirectoryState> state,
    IWebhookDeliveryStore deliveries,
    IEventLogStore events,
    TimeProvider time) : Grain, IWebhookDirectoryGrain
{
    private string Partition => this.GetPrimaryKeyString();

    public async Task Upsert(WebhookSubscription subscription)
    {
        if (state.State.Subscriptions.TryGetValue(subscription.WebhookId, out var held) && held.Version >= subscription.Version)
        {
            return;
        }
        state.State.Subscriptions[subscription.WebhookId] = subscription;
        await state.WriteStateAsync();
    }

    public async Task Remove(string webhookId)
    {
        if (state.State.Subscriptions.Remove(webhookId))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<bool> Reserve(string webhookId) =>
        Task.FromResult(state.State.Subscriptions.ContainsKey(webhookId) || state.State.Subscriptions.Count < WebhookKeys.MaxEndpointsPerPartition);

    public Task<IReadOnlyList<WebhookSubscription>> List() =>
        Task.FromResult<IReadOnlyList<WebhookSubscription>>([.. state.State.Subscriptions.Values.OrderBy(s => s.View.CreatedAt)]);

    public Task<IReadOnlyList<bool>> Wanted(IReadOnlyList<string> eventTypes)
    {
        var live = Live.ToList();
        return Task.FromResult<IReadOnlyList<bool>>([.. eventTypes.Select(type => live.Any(s => WebhookEventPatterns.Matches(s.Events, type)))]);
    }

    public Task<IReadOnlyList<WebhookRoute>> Routes() =>
        Task.FromResult<IReadOnlyList<WebhookRoute>>([.. Live.Select(s => new WebhookRoute(s.WebhookId, s.Events))]);

    /// <summary>The endpoints that take events: active and paused ones (disabled ones get nothing).</summary>
    private IEnumerable<WebhookSubscription> Live => state.State.Subscriptions.Values.Where(s => s.Status != WebhookKeys.Disabled);

    public Task<WebhookDeliveryPage> Deliveries(WebhookDeliveryQuery query, CancellationToken cancellationToken = default) =>
        deliveries.QueryAsync(Partition, query, cancellationToken);

    public Task<WebhookDelivery?> Delivery(string deliveryId, CancellationToken cancellationToken = default) =>
        deliveries.GetAsync(Partition, deliveryId, cancellationToken);

    public async Task<WebhookCleanupResult> Cleanup(int retentionDays, int batchSize)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(retentionDays);
        var eventsDeleted = await events.DeleteDeliveredBeforeAsync(Partition, cutoff, batchSize);
        var deliveriesDeleted = await deliveries.DeleteSucceededBeforeAsync(Partition, cutoff, batchSize);
        return new WebhookCleanupResult(cutoff, retentionDays, eventsDeleted, deliveriesDeleted);
    }
}
