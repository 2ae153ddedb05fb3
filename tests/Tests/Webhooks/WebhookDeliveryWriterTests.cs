using Grains.Events;
using Grains.Interfaces.Webhooks;
using Grains.Webhooks.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Tests.Webhooks;

/// <summary>
/// The silo's delivery writer: an outcome that arrives while its pending row still waits for a flush is written in
/// that row's place; one that arrives later is an update sent only after the insert committed.
/// </summary>
public sealed class WebhookDeliveryWriterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task An_outcome_saved_while_its_pending_row_waits_replaces_it_and_one_saved_later_updates_after_the_insert()
    {
        var store = new HeldStore();
        var writer = Writer(store);

        // Two flushes may run at once: a and b are taken (and held in the store); c waits in the queue.
        var insertA = writer.InsertAsync([Row("whd_a")]);
        await store.WritesStarted(1);
        var insertB = writer.InsertAsync([Row("whd_b")]);
        await store.WritesStarted(2);
        var insertC = writer.InsertAsync([Row("whd_c")]);

        var saveC = writer.SaveAsync([Settled("whd_c")]);   // folds into c's waiting insert
        var saveA = writer.SaveAsync([Settled("whd_a")]);   // a's insert is in flight: must wait for it
        Assert.False(saveA.IsCompleted);

        store.Release();
        await Task.WhenAll(insertA, insertB, insertC, saveA, saveC).WaitAsync(TimeSpan.FromSeconds(10));

        var calls = store.Calls;
        Assert.DoesNotContain(calls, c => c.Updates.Any(u => u.DeliveryId == "whd_c"));
        var insertedC = Assert.Single(calls.SelectMany(c => c.Inserts), r => r.DeliveryId == "whd_c");
        Assert.Equal(WebhookKeys.DeliverySuccess, insertedC.Status);

        var insertOfA = calls.FindIndex(c => c.Inserts.Any(r => r.DeliveryId == "whd_a"));
        var updateOfA = calls.FindIndex(c => c.Updates.Any(r => r.DeliveryId == "whd_a"));
        Assert.True(updateOfA > insertOfA, "the update of a is sent after a's insert returned");

        Assert.Equal(WebhookKeys.DeliverySuccess, (await store.GetAsync("t/live", "whd_a"))!.Status);
        Assert.Equal(WebhookKeys.DeliverySuccess, (await store.GetAsync("t/live", "whd_c"))!.Status);
        Assert.Equal(WebhookKeys.DeliveryPending, (await store.GetAsync("t/live", "whd_b"))!.Status);
    }

    [Fact]
    public async Task A_folded_outcome_of_a_delivery_stored_before_is_applied_as_an_update()
    {
        var store = new HeldStore();
        store.Release();
        var writer = Writer(store);
        await writer.InsertAsync([Row("whd_a")]);

        // The same delivery handed off again (its pending row exists): the repeated insert keeps the stored row, so
        // the outcome folded into it must still reach the store as an update.
        store.Hold();
        var busy = writer.InsertAsync([Row("whd_x")]);
        await store.WritesStarted(2);
        var busy2 = writer.InsertAsync([Row("whd_y")]);
        await store.WritesStarted(3);
        var again = writer.InsertAsync([Row("whd_a")]);
        var save = writer.SaveAsync([Settled("whd_a")]);
        store.Release();

        Assert.Empty(await again.WaitAsync(TimeSpan.FromSeconds(10)));
        await Task.WhenAll(busy, busy2, save).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(WebhookKeys.DeliverySuccess, (await store.GetAsync("t/live", "whd_a"))!.Status);
    }

    [Fact]
    public async Task A_held_insert_waits_for_every_rows_outcome_and_is_then_written_once_with_them()
    {
        var store = new HeldStore();
        store.Release();
        // A hold no test outlives: completing at all shows the last outcome released the insert.
        var writer = Writer(store, TimeSpan.FromHours(1));

        var insert = writer.InsertAsync([Row("whd_a"), Row("whd_b")], holdForOutcomes: true);
        var saveA = writer.SaveAsync([Settled("whd_a")]);
        Assert.Empty(store.Calls);
        Assert.False(insert.IsCompleted || saveA.IsCompleted, "nothing is durable before the last outcome (or the hold) arrives");

        var saveB = writer.SaveAsync([Settled("whd_b") with { Status = WebhookKeys.DeliveryPending, ResponseCode = 503, DeliveredAt = null }]);
        Assert.Equal(2, (await insert.WaitAsync(TimeSpan.FromSeconds(30))).Count);
        await Task.WhenAll(saveA, saveB).WaitAsync(TimeSpan.FromSeconds(10));

        var call = Assert.Single(store.Calls);
        Assert.Empty(call.Updates);
        Assert.Equal([(1, WebhookKeys.DeliverySuccess), (1, WebhookKeys.DeliveryPending)],
            call.Inserts.OrderBy(r => r.DeliveryId, StringComparer.Ordinal).Select(r => (r.Attempts, r.Status)));
    }

    [Fact]
    public async Task A_held_insert_whose_outcomes_do_not_arrive_is_written_pending_when_the_hold_ends()
    {
        var store = new HeldStore();
        store.Release();
        var writer = Writer(store, TimeSpan.FromMilliseconds(50));

        var inserted = await writer.InsertAsync([Row("whd_a"), Row("whd_b")], holdForOutcomes: true).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, inserted.Count);
        var call = Assert.Single(store.Calls);
        Assert.All(call.Inserts, r => Assert.Equal(WebhookKeys.DeliveryPending, r.Status));

        // An outcome after that is an ordinary update of the stored row.
        await writer.SaveAsync([Settled("whd_b")]);
        Assert.Equal(WebhookKeys.DeliverySuccess, (await store.GetAsync("t/live", "whd_b"))!.Status);
        Assert.Equal(["whd_b"], store.Calls[^1].Updates.Select(u => u.DeliveryId));
    }

    private static WebhookDeliveryWriter Writer(IWebhookDeliveryStore store, TimeSpan? insertHold = null) =>
        new(store, new InMemoryEventLogStore(), NullLogger<WebhookDeliveryWriter>.Instance)
        {
            InsertHold = insertHold ?? WebhookDeliveryWriter.DefaultInsertHold,
        };

    private static WebhookDelivery Row(string id) =>
        new(id, "t/live", "wh_1", $"evt_{id}", 1, "deal.created", "{}", WebhookKeys.DeliveryPending, 0, 6,
            null, null, false, T0, T0, null, null, null, T0);

    private static WebhookDelivery Settled(string id) =>
        Row(id) with { Status = WebhookKeys.DeliverySuccess, Attempts = 1, ResponseCode = 200, DeliveredAt = T0, FirstAttemptAt = T0 };

    /// <summary>The in-memory store, recording each write and holding writes until released.</summary>
    private sealed class HeldStore : IWebhookDeliveryStore
    {
        private readonly InMemoryWebhookDeliveryStore inner = new();
        private readonly Lock gate = new();
        private readonly List<(IReadOnlyList<WebhookDelivery> Inserts, IReadOnlyList<WebhookDelivery> Updates)> calls = [];
        private TaskCompletionSource open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int started;
        private readonly SemaphoreSlim startedSignal = new(0);

        public List<(IReadOnlyList<WebhookDelivery> Inserts, IReadOnlyList<WebhookDelivery> Updates)> Calls
        {
            get
            {
                lock (gate)
                {
                    return [.. calls];
                }
            }
        }

        public void Release() => open.TrySetResult();

        public void Hold() => open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task WritesStarted(int count)
        {
            while (Volatile.Read(ref started) < count)
            {
                Assert.True(await startedSignal.WaitAsync(TimeSpan.FromSeconds(10)), $"{count} writes did not start");
            }
        }

        public async Task<IReadOnlySet<DeliveryKey>> WriteAsync(IReadOnlyList<WebhookDelivery> inserts, IReadOnlyList<WebhookDelivery> updates,
            CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref started);
            startedSignal.Release();
            await open.Task;
            var result = await inner.WriteAsync(inserts, updates, cancellationToken);
            lock (gate)
            {
                calls.Add(([.. inserts], [.. updates]));
            }
            return result;
        }

        public Task<IReadOnlyList<WebhookDelivery>> PendingAsync(string partition, string webhookId, int limit, CancellationToken cancellationToken = default) =>
            inner.PendingAsync(partition, webhookId, limit, cancellationToken);

        public Task<WebhookDelivery?> GetAsync(string partition, string deliveryId, CancellationToken cancellationToken = default) =>
            inner.GetAsync(partition, deliveryId, cancellationToken);

        public Task<WebhookDeliveryPage> QueryAsync(string partition, WebhookDeliveryQuery query, CancellationToken cancellationToken = default) =>
            inner.QueryAsync(partition, query, cancellationToken);

        public Task<IReadOnlyList<EventDeliveryCounts>> CountsAsync(IReadOnlyCollection<EventKey> events, CancellationToken cancellationToken = default) =>
            inner.CountsAsync(events, cancellationToken);

        public Task<int> DeletePendingAsync(string partition, string webhookId, CancellationToken cancellationToken = default) =>
            inner.DeletePendingAsync(partition, webhookId, cancellationToken);

        public Task<int> DeleteSucceededBeforeAsync(string partition, DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default) =>
            inner.DeleteSucceededBeforeAsync(partition, cutoff, batchSize, cancellationToken);
    }
}
