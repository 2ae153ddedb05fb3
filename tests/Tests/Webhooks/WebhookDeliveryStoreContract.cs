using Grains.Interfaces.Webhooks;
using Grains.Webhooks.Storage;
using Tests.Infrastructure;

namespace Tests.Webhooks;

/// <summary>What every <see cref="IWebhookDeliveryStore"/> must do; each test works in partitions of its own.</summary>
public abstract class WebhookDeliveryStoreContract
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 9, 10, 30, 0, TimeSpan.Zero);

    protected abstract Task<IWebhookDeliveryStore> StoreAsync();

    private static string NewPartition() => $"ten_{Guid.NewGuid():N}:test";

    private static WebhookDelivery Row(string partition, string id, string webhook = "wh_a", long sequence = 1, string status = "pending",
        int minute = 0, string type = "customer.created", string? eventId = null) =>
        new(id, partition, webhook, eventId ?? $"evt_{id}", sequence, type, """{"id":"x"}""", status, 0, 6, null, null, false,
            T0.AddMinutes(minute), T0, null, null, null, T0);

    [StoreFact]
    public async Task A_repeated_insert_keeps_the_stored_row_and_reports_only_new_keys()
    {
        var store = await StoreAsync();
        var p = NewPartition();
        var first = await store.WriteAsync([Row(p, "whd_1"), Row(p, "whd_2")], []);
        Assert.Equal(2, first.Count);
        await store.WriteAsync([], [Row(p, "whd_1", status: "success") with { Attempts = 1, ResponseCode = 200, DeliveredAt = T0 }]);

        var again = await store.WriteAsync([Row(p, "whd_1"), Row(p, "whd_3")], []);
        Assert.Equal([new DeliveryKey(p, "whd_3")], again);
        var kept = await store.GetAsync(p, "whd_1");
        Assert.Equal("success", kept!.Status);
        Assert.Equal(200, kept.ResponseCode);
        Assert.Equal(T0, kept.DeliveredAt);
        Assert.Null(await store.GetAsync(NewPartition(), "whd_1"));

        // Success is final: a late write from an activation that lost its silo does not undo it.
        await store.WriteAsync([], [Row(p, "whd_1") with { Attempts = 1, ResponseCode = 503 }]);
        Assert.Equal("success", (await store.GetAsync(p, "whd_1"))!.Status);

        // An update only changes stored rows (one deleted meanwhile stays deleted), and only their attempt fields.
        await store.WriteAsync([], [Row(p, "whd_gone", status: "success") with { Attempts = 1 }]);
        Assert.Null(await store.GetAsync(p, "whd_gone"));
        await store.WriteAsync([], [Row(p, "whd_2", status: "failed", type: "other.type") with { Attempts = 6, ResponseCode = 500, Payload = "changed" }]);
        var updated = await store.GetAsync(p, "whd_2");
        Assert.Equal(("failed", 6, 500), (updated!.Status, updated.Attempts, updated.ResponseCode));
        Assert.Equal(("customer.created", """{"id":"x"}"""), (updated.EventType, updated.Payload));
    }

    [StoreFact]
    public async Task Pending_rows_come_back_per_endpoint_in_event_order()
    {
        var store = await StoreAsync();
        var p = NewPartition();
        await store.WriteAsync([Row(p, "whd_c", sequence: 3), Row(p, "whd_a", sequence: 1), Row(p, "whd_b", sequence: 2, status: "success"),
            Row(p, "whd_d", sequence: 4, webhook: "wh_b")], []);
        var pending = await store.PendingAsync(p, "wh_a", 10);
        Assert.Equal(["whd_a", "whd_c"], pending.Select(d => d.DeliveryId));
    }

    [StoreFact]
    public async Task Queries_filter_page_newest_first_and_count_the_total()
    {
        var store = await StoreAsync();
        var p = NewPartition();
        await store.WriteAsync([.. Enumerable.Range(0, 5).Select(i => Row(p, $"whd_{i}", minute: i, status: i % 2 == 0 ? "failed" : "success")),
            Row(p, "whd_x", webhook: "wh_b", status: "failed", type: "deal.created")], []);

        var page = await store.QueryAsync(p, new WebhookDeliveryQuery("wh_a", "failed", null, 2, 0));
        Assert.Equal(3, page.Total);
        Assert.Equal(["whd_4", "whd_2"], page.Items.Select(d => d.DeliveryId));
        var next = await store.QueryAsync(p, new WebhookDeliveryQuery("wh_a", "failed", null, 2, 2));
        Assert.Equal(["whd_0"], next.Items.Select(d => d.DeliveryId));
        var byType = await store.QueryAsync(p, new WebhookDeliveryQuery(null, null, "deal.created"));
        Assert.Equal("whd_x", Assert.Single(byType.Items).DeliveryId);
        Assert.Equal(0, (await store.QueryAsync(NewPartition(), new WebhookDeliveryQuery())).Total);
    }

    [StoreFact]
    public async Task Counts_per_event_and_deletes_touch_only_what_they_name()
    {
        var store = await StoreAsync();
        var p = NewPartition();
        await store.WriteAsync([Row(p, "whd_1", eventId: "evt_e", status: "success"), Row(p, "whd_2", webhook: "wh_b", eventId: "evt_e", status: "failed"),
            Row(p, "whd_3", eventId: "evt_f", minute: 60 * 24 * 40), Row(p, "whd_4", eventId: "evt_g", status: "success", minute: 60 * 24 * 40)], []);
        var counts = (await store.CountsAsync([new EventKey(p, "evt_e"), new EventKey(p, "evt_f")])).ToDictionary(c => c.Event.EventId);
        Assert.Equal((0, 1, 1), (counts["evt_e"].Pending, counts["evt_e"].Succeeded, counts["evt_e"].Failed));
        Assert.Equal((1, 0, 0), (counts["evt_f"].Pending, counts["evt_f"].Succeeded, counts["evt_f"].Failed));

        Assert.Equal(1, await store.DeleteSucceededBeforeAsync(p, T0.AddDays(1), 100));
        Assert.Null(await store.GetAsync(p, "whd_1"));
        Assert.NotNull(await store.GetAsync(p, "whd_4"));
        Assert.Equal(1, await store.DeletePendingAsync(p, "wh_a"));
        Assert.Null(await store.GetAsync(p, "whd_3"));
        Assert.NotNull(await store.GetAsync(p, "whd_2"));
    }
}
