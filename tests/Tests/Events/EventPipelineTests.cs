using System.Net;
using System.Text.Json;
using Grains.Customers;
using Grains.Events;
using Grains.Interfaces.Customers;
using Grains.Interfaces.Events;
using Grains.Platform;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Tests.Infrastructure;

namespace Tests.Events;

/// <summary>Grain outboxes flow into the tenant event log, read through <c>GET /v1/webhooks/events</c> (embedded topology).</summary>
public sealed class EventPipelineTests(CatalogueApi api) : IClassFixture<CatalogueApi>
{
    private const string Jane = """{"name":"Jane Smith","email":"jane@example.com","company":"Acme Corp"}""";

    [Fact]
    public async Task Customer_changes_appear_in_the_log_in_order_and_the_outbox_is_drained()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.CreateAsync("customer", Jane)).Str("id");
        await tenant.SendAsync(HttpMethod.Patch, $"/v1/customers/{id}", """{"company":"Beta"}""", "1");
        await tenant.SendAsync(HttpMethod.Delete, $"/v1/customers/{id}", ifMatch: "2");

        var all = await Events(tenant, "");
        var events = all.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(["customer.created", "customer.updated", "customer.deleted"], events.Select(e => e.Str("event_type")));
        Assert.Equal([1L, 2L, 3L], events.Select(e => e.GetProperty("event_sequence").GetInt64()));
        Assert.All(events, e => Assert.Matches("^evt_[0-9a-f]{24}$", e.Str("event_id")));
        // No webhook endpoint wants them, so nothing is owed: delivered.
        Assert.All(events, e => Assert.Equal("delivered", e.Str("status")));
        Assert.All(events, e => Assert.Equal(id, e.GetProperty("data").Str("id")));
        Assert.Equal(3, all.GetProperty("cursor").GetProperty("last_sequence").GetInt64());
        Assert.False(all.GetProperty("cursor").GetProperty("has_more").GetBoolean());

        Assert.Empty(await api.Grains.GetGrain<ICustomerGrain>(CustomerKeys.Grain(tenant.Partition, id)).PendingEvents());
        // Another tenant's log is its own.
        Assert.Empty((await Events(await api.NewTenantAsync(), "")).GetProperty("events").EnumerateArray());
    }

    [Fact]
    public async Task Filters_and_the_cursor_page_through_the_log()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.CreateAsync("customer", Jane)).Str("id");
        await tenant.SendAsync(HttpMethod.Patch, $"/v1/customers/{id}", """{"company":"Beta"}""", "1");
        await tenant.SendAsync(HttpMethod.Delete, $"/v1/customers/{id}", ifMatch: "2");

        var first = await Events(tenant, "?limit=2");
        Assert.Equal([1L, 2L], Sequences(first));
        Assert.True(first.GetProperty("cursor").GetProperty("has_more").GetBoolean());
        var last = first.GetProperty("cursor").GetProperty("last_sequence").GetInt64();
        var next = await Events(tenant, $"?limit=2&since_sequence={last}");
        Assert.Equal([3L], Sequences(next));
        Assert.False(next.GetProperty("cursor").GetProperty("has_more").GetBoolean());

        Assert.Equal([2L], Sequences(await Events(tenant, "?event_type=customer.updated")));
        Assert.Equal([1L, 2L, 3L], Sequences(await Events(tenant, "?status=delivered")));
        Assert.Empty(Sequences(await Events(tenant, "?status=pending")));
        var created = (await Events(tenant, "")).GetProperty("events")[0].GetProperty("created_at").GetDateTimeOffset();
        Assert.Equal([2L, 3L], Sequences(await Events(tenant, $"?since_timestamp={Uri.EscapeDataString(created.ToString("O"))}")));

        var (bad, body) = await tenant.SendAsync(HttpMethod.Get, "/v1/webhooks/events?status=lost&since_sequence=-1&limit=101");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("invalid", body.FieldCode("status"));
        Assert.Equal("invalid", body.FieldCode("since_sequence"));
        Assert.Equal("out_of_range", body.FieldCode("limit"));
    }

    [Fact]
    public async Task Reading_the_log_needs_webhooks_read()
    {
        var tenant = await api.NewTenantAsync();
        var customersOnly = api.CreateClient().WithKey(await tenant.KeyAsync(["customers:read"]));
        var (denied, _) = await customersOnly.SendJsonAsync(HttpMethod.Get, "/v1/webhooks/events");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        var reader = api.CreateClient().WithKey(await tenant.KeyAsync(["webhooks:read"]));
        var (allowed, _) = await reader.SendJsonAsync(HttpMethod.Get, "/api/v1/webhooks/events");
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task Events_left_in_the_outbox_are_handed_on_when_the_grain_reactivates()
    {
        var tenant = await api.NewTenantAsync();
        var probe = api.Grains.GetGrain<IOutboxProbeGrain>($"{tenant.Partition}/probe");
        var handed = Outbox.Event("customer.created", DateTimeOffset.UtcNow, new { id = "cust_1" });
        var stranded = Outbox.Event("customer.updated", DateTimeOffset.UtcNow, new { id = "cust_1" });

        await probe.Record(handed);
        Assert.Empty(await probe.Pending());
        await probe.RecordWithoutHandOff(stranded);
        Assert.Equal([stranded.Id], (await probe.Pending()).Select(e => e.Id));
        Assert.Equal([handed.Id], (await Log(tenant)).Select(e => e.Id));

        await probe.Deactivate();
        var pending = await Eventually.Get(probe.Pending, p => p.Count == 0, TimeSpan.FromSeconds(10), "the outbox to drain on reactivation");
        Assert.Empty(pending);
        Assert.Equal([handed.Id, stranded.Id], (await Log(tenant)).Select(e => e.Id));
    }

    [Fact]
    public async Task A_handed_on_event_leaves_the_stored_outbox_with_the_next_write_or_at_deactivation()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.CreateAsync("customer", Jane)).Str("id");
        var grainId = GrainId.Create("customer", CustomerKeys.Grain(tenant.Partition, id));
        var created = Assert.Single(await Log(tenant));

        // Handed on, trimmed in memory; the stored outbox keeps it until the grain writes again (no write of its own).
        Assert.Empty(await api.Grains.GetGrain<ICustomerGrain>(CustomerKeys.Grain(tenant.Partition, id)).PendingEvents());
        Assert.Equal([created.Id], (await StoredOutbox(grainId)).Select(e => e.Id));

        // The next change writes the trimmed outbox with its own event.
        await tenant.SendAsync(HttpMethod.Patch, $"/v1/customers/{id}", """{"company":"Beta"}""", "1");
        var updated = (await Log(tenant))[^1];
        Assert.Equal("customer.updated", updated.Type);
        Assert.Equal([updated.Id], (await StoredOutbox(grainId)).Select(e => e.Id));

        // Going idle writes it too, so the next activation has nothing to hand on again.
        await api.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        await Eventually.Get(() => StoredOutbox(grainId), o => o.Count == 0, TimeSpan.FromSeconds(10), "the deactivation to store the trimmed outbox");
        var (_, reread) = await tenant.SendAsync(HttpMethod.Get, $"/v1/customers/{id}");
        Assert.Equal("Beta", reread.GetProperty("data").GetProperty("customer").Str("company"));
        Assert.Equal([created.Id, updated.Id], (await Log(tenant)).Select(e => e.Id));
    }

    private async Task<List<OutboxEvent>> StoredOutbox(GrainId grainId)
    {
        var stored = new GrainState<CustomerState>();
        await api.Services.GetRequiredKeyedService<IGrainStorage>("Default").ReadStateAsync("customer", grainId, stored);
        return stored.State?.Outbox ?? [];
    }

    private async Task<IReadOnlyList<EventLogEntry>> Log(TestTenant tenant) =>
        (await api.Grains.GetGrain<IEventLogGrain>(tenant.Partition).Query(new EventLogQuery())).Events;

    private static async Task<JsonElement> Events(TestTenant tenant, string query)
    {
        var (response, body) = await tenant.SendAsync(HttpMethod.Get, "/v1/webhooks/events" + query);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET events{query} → {(int)response.StatusCode} {body}");
        return body.GetProperty("data");
    }

    private static List<long> Sequences(JsonElement data) =>
        [.. data.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event_sequence").GetInt64())];
}
