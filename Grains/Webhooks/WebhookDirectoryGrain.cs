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
/// event log hands it each appended batch, and it hands every event to the endpoints subscribed to it. Endpoints
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
        var live = state.State.Subscriptions.Values.Where(s => s.Status != WebhookKeys.Disabled).ToList();
        return Task.FromResult<IReadOnlyList<bool>>([.. eventTypes.Select(type => live.Any(s => WebhookEventPatterns.Matches(s.Events, type)))]);
    }

    public async Task Dispatch(IReadOnlyList<EventLogEntry> entries, bool recovered = false)
    {
        // A snapshot: subscriptions may change while the hand-offs are awaited.
        var targets = state.State.Subscriptions.Values
            .Where(s => s.Status != WebhookKeys.Disabled)
            .Select(s => (s.WebhookId, Events: entries.Where(e => WebhookEventPatterns.Matches(s.Events, e.Type)).ToList()))
            .Where(t => t.Events.Count > 0)
            .ToList();
        await Task.WhenAll(targets.Select(t =>
            GrainFactory.GetGrain<IWebhookEndpointGrain>(WebhookKeys.Grain(Partition, t.WebhookId)).Enqueue(t.Events, recovered)));

        // An event logged as delivered (nobody wanted it at append) that an endpoint registered since now wants: pending.
        var nowWanted = targets.SelectMany(t => t.Events).Where(e => e.Status == EventStatuses.Delivered).DistinctBy(e => e.Id).ToList();
        if (nowWanted.Count > 0)
        {
            await events.SetStatusesAsync([.. nowWanted.Select(e => new EventStatusChange(Partition, e.Id, EventStatuses.Pending))]);
        }
    }

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
