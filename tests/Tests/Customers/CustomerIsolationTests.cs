using System.Net;
using System.Text.Json;
using Grains.Customers;
using Grains.Interfaces.Customers;
using Grains.Interfaces.Events;
using Grains.Interfaces.Projections;
using Grains.Projections;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Tests.Infrastructure;

namespace Tests.Customers;

/// <summary>Email uniqueness, tenant and environment isolation, encryption at rest and the outbox.</summary>
public sealed class CustomerIsolationTests(CatalogueApi api) : IClassFixture<CatalogueApi>
{
    private const string Jane = """{"name":"Jane Smith","email":"jane@example.com","phone":"+61412345678","company":"Acme Corp"}""";

    [Fact]
    public async Task A_second_customer_with_the_same_email_in_any_case_is_409_duplicate_email()
    {
        var tenant = await api.NewTenantAsync();
        await tenant.CreateAsync("customer", Jane);

        var (response, body) = await tenant.SendAsync(HttpMethod.Post, "/v1/customers", """{"name":"Other","email":"JANE@example.com"}""");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("conflict.duplicate_email", body.Code());
        Assert.Equal("conflict", body.Str("category"));
    }

    [Fact]
    public async Task An_email_is_freed_when_its_customer_changes_email_or_is_deleted()
    {
        var tenant = await api.NewTenantAsync();
        var first = (await tenant.CreateAsync("customer", Jane)).Str("id");
        await tenant.SendAsync(HttpMethod.Patch, $"/v1/customers/{first}", """{"email":"jane.smith@example.com"}""", "1");

        var second = (await tenant.CreateAsync("customer", """{"name":"Jane Two","email":"jane@example.com"}""")).Str("id");
        var (taken, _) = await tenant.SendAsync(HttpMethod.Post, "/v1/customers", """{"name":"X","email":"jane.smith@example.com"}""");
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);

        await tenant.SendAsync(HttpMethod.Delete, $"/v1/customers/{first}", ifMatch: "2");
        await tenant.CreateAsync("customer", """{"name":"Jane Three","email":"jane.smith@example.com"}""");
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task Changing_to_a_taken_email_is_409_and_applies_nothing_of_the_patch()
    {
        var tenant = await api.NewTenantAsync();
        await tenant.CreateAsync("customer", Jane);
        var other = (await tenant.CreateAsync("customer", """{"name":"Bob","email":"bob@example.com","city":"Perth"}""")).Str("id");

        var (response, body) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/customers/{other}",
            """{"email":"jane@example.com","city":"Darwin"}""", "1");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("conflict.duplicate_email", body.Code());
        var (_, after) = await tenant.SendAsync(HttpMethod.Get, $"/v1/customers/{other}");
        var customer = after.GetProperty("data").GetProperty("customer");
        Assert.Equal(1, customer.GetProperty("version").GetInt64());
        Assert.Equal("Perth", customer.Str("city"));
        Assert.Equal("bob@example.com", customer.Str("email"));
    }

    [Fact]
    public async Task Twenty_concurrent_creates_with_one_email_give_exactly_one_201()
    {
        var tenant = await api.NewTenantAsync();
        var http = tenant.Http;
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            http.SendJsonAsync(HttpMethod.Post, "/v1/customers", $$"""{"name":"Racer {{i}}","email":"race@example.com"}""")));

        Assert.Single(results, r => r.Response.StatusCode == HttpStatusCode.Created);
        Assert.All(results.Where(r => r.Response.StatusCode != HttpStatusCode.Created), r =>
        {
            Assert.Equal(HttpStatusCode.Conflict, r.Response.StatusCode);
            Assert.Equal("conflict.duplicate_email", r.Body.Code());
        });
        var (_, list) = await tenant.SendAsync(HttpMethod.Get, "/v1/customers?search=race@example.com");
        Assert.Equal(1, list.GetProperty("data").GetProperty("pagination").GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Another_tenants_key_gets_404_for_get_patch_and_delete_and_never_lists_the_customer()
    {
        var owner = await api.NewTenantAsync("live");
        var stranger = await api.NewTenantAsync("live");
        var id = (await owner.CreateAsync("customer", Jane)).Str("id");

        foreach (var (method, json, ifMatch) in new[] { (HttpMethod.Get, (string?)null, (string?)null), (HttpMethod.Patch, """{"name":"Hacked"}""", "1"), (HttpMethod.Delete, null, "1") })
        {
            var (response, body) = await stranger.SendAsync(method, $"/v1/customers/{id}", json, ifMatch);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("not_found", body.Code());
        }
        var (_, list) = await stranger.SendAsync(HttpMethod.Get, "/v1/customers?search=jane");
        Assert.Equal(0, list.GetProperty("data").GetProperty("pagination").GetProperty("total").GetInt64());
        // The stranger may use the same email: uniqueness is per tenant.
        await stranger.CreateAsync("customer", Jane);
        var (_, still) = await owner.SendAsync(HttpMethod.Get, $"/v1/customers/{id}");
        Assert.Equal("Jane Smith", still.GetProperty("data").GetProperty("customer").Str("name"));
    }

    [Fact]
    public async Task Test_and_live_keys_of_one_tenant_see_separate_customers()
    {
        var tenant = await api.NewTenantAsync("live");
        var testKey = await tenant.KeyAsync(["customers:read", "customers:write"], "test");
        var testHttp = api.CreateClient().WithKey(testKey);
        var (created, createdBody) = await testHttp.SendJsonAsync(HttpMethod.Post, "/v1/customers", Jane);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var testId = createdBody.GetProperty("data").GetProperty("customer").Str("id");

        var (liveGet, _) = await tenant.SendAsync(HttpMethod.Get, $"/v1/customers/{testId}");
        var (_, liveList) = await tenant.SendAsync(HttpMethod.Get, "/v1/customers");
        var liveId = (await tenant.CreateAsync("customer", Jane)).Str("id");
        var (testGetLive, _) = await testHttp.SendJsonAsync(HttpMethod.Get, $"/v1/customers/{liveId}");

        Assert.Equal(HttpStatusCode.NotFound, liveGet.StatusCode);
        Assert.Equal(0, liveList.GetProperty("data").GetProperty("pagination").GetProperty("total").GetInt64());
        Assert.Equal(HttpStatusCode.NotFound, testGetLive.StatusCode);
    }

    [Fact]
    public async Task Name_email_and_phone_are_encrypted_in_grain_state_and_in_the_projection()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.CreateAsync("customer", Jane)).Str("id");
        await tenant.SendAsync(HttpMethod.Patch, $"/v1/customers/{id}", """{"notes":"vip"}""", "1");

        var storage = api.Services.GetRequiredKeyedService<IGrainStorage>(Orleans.Providers.ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);
        var grainId = api.Grains.GetGrain<ICustomerGrain>(CustomerKeys.Grain(tenant.Partition, id)).GetGrainId();
        var stored = new Orleans.GrainState<CustomerState>();
        await storage.ReadStateAsync("customer", grainId, stored);
        Assert.NotNull(stored.State!.Record);
        var stateJson = JsonSerializer.Serialize(stored.State);

        var store = api.Services.GetRequiredService<IProjectionStore>();
        var row = Assert.Single((await store.QueryAsync(tenant.Partition, CustomerKeys.ResourceType, new ListQuery(), null)).Items);

        foreach (var text in new[] { stateJson, row.Document, string.Join(",", row.SearchTokens) })
        {
            foreach (var plaintext in new[] { "jane@example.com", "Jane Smith", "+61412345678", "61412345678", "example.com" })
            {
                Assert.DoesNotContain(plaintext, text, StringComparison.OrdinalIgnoreCase);
            }
        }
        Assert.DoesNotContain("jane", row.SearchTokens);
        Assert.DoesNotContain("acme", row.SearchTokens);
        Assert.StartsWith("v1:", stored.State.Record!.Email);
        Assert.Contains("\"email\":\"v1:", row.Document);
        Assert.Equal(2, row.Version);
        // Company is not PII in the document's sense and stays readable.
        Assert.Contains("Acme Corp", row.Document);
    }

    [Fact]
    public async Task Each_change_records_its_event_in_the_outbox_without_personal_data()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.CreateAsync("customer", Jane)).Str("id");
        await tenant.SendAsync(HttpMethod.Patch, $"/v1/customers/{id}", """{"company":"Beta","phone":"+14155552671"}""", "1");
        await tenant.SendAsync(HttpMethod.Delete, $"/v1/customers/{id}", ifMatch: "2");

        // The grain hands its outbox on to the tenant event log after each write.
        var events = (await api.Grains.GetGrain<IEventLogGrain>(tenant.Partition).Query(new EventLogQuery())).Events;

        Assert.Equal(["customer.created", "customer.updated", "customer.deleted"], events.Select(e => e.Type));
        Assert.All(events, e => Assert.Matches("^evt_[0-9a-f]{24}$", e.Id));
        Assert.Equal(3, events.Select(e => e.Id).Distinct().Count());
        var created = JsonDocument.Parse(events[0].DataJson).RootElement;
        Assert.Equal(id, created.Str("id"));
        Assert.Equal("Acme Corp", created.Str("company"));
        Assert.Equal("active", created.Str("status"));
        var updated = JsonDocument.Parse(events[1].DataJson).RootElement;
        Assert.Equal(["company", "phone"], updated.GetProperty("changed_fields").EnumerateArray().Select(f => f.GetString()).Order());
        Assert.All(events, e => Assert.DoesNotContain("example.com", e.DataJson));
        Assert.All(events, e => Assert.DoesNotContain("4155552671", e.DataJson));
    }
}
