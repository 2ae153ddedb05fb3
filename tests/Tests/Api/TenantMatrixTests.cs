using System.Net;
using Tests.Infrastructure;

namespace Tests.Api;

/// <summary>
/// Every endpoint that addresses one record, called with another tenant's admin key (and with the
/// same tenant's other environment), answers 404 <c>not_found</c> and leaks nothing of the record.
/// </summary>
public sealed class TenantMatrixTests(CatalogueApi api) : IClassFixture<CatalogueApi>
{
    [Fact]
    public async Task Another_tenants_key_gets_404_on_every_single_record_endpoint()
    {
        var owner = await api.NewTenantAsync("live");
        var ids = new Dictionary<string, string>
        {
            ["customers"] = (await owner.CreateAsync("customer", """{"name":"Matrix Owner","email":"owner@matrix.example"}""")).GetProperty("id").GetString()!,
            ["products"] = (await owner.CreateAsync("product", """{"name":"Matrix Product","price":10}""")).GetProperty("id").GetString()!,
        };
        var (_, key) = await owner.SendAsync(HttpMethod.Post, "/v1/keys", """{"name":"matrix","scopes":["*:read"]}""");
        ids["keys"] = key.GetProperty("data").GetProperty("id").GetString()!;

        var intruders = new[] { await api.NewTenantAsync("live"), await api.NewTenantAsync("test") };
        var checkedCalls = 0;
        var failures = new List<string>();
        foreach (var endpoint in ApiEndpoints.Scoped(api))
        {
            var resource = ids.Keys.FirstOrDefault(r => endpoint.Template.StartsWith($"/v1/{r}", StringComparison.Ordinal));
            if (resource is null || endpoint.Method == "POST" && !endpoint.Template.Contains('{'))
            {
                continue;
            }
            var url = endpoint.Template.Contains('{') ? endpoint.Url(ids[resource]) : $"{endpoint.Template}?id={ids[resource]}";
            foreach (var intruder in intruders)
            {
                var body = endpoint.Method is "PATCH" or "POST" ? """{"name":"taken over"}""" : null;
                var (response, json) = await intruder.SendAsync(new HttpMethod(endpoint.Method), url, body, ifMatch: "1");
                checkedCalls++;
                if (response.StatusCode != HttpStatusCode.NotFound || json.Code() != "not_found" || json.ToString().Contains("Matrix"))
                {
                    failures.Add($"{intruder.Environment} {endpoint.Method} {url}: {(int)response.StatusCode} {json}");
                }
            }
        }

        Assert.True(checkedCalls >= 20, $"only {checkedCalls} calls checked");
        Assert.Empty(failures);
        // And the owner still sees its records unchanged.
        var (own, customer) = await owner.SendAsync(HttpMethod.Get, $"/v1/customers/{ids["customers"]}");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal("Matrix Owner", customer.GetProperty("data").GetProperty("customer").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Lists_never_show_another_tenants_records()
    {
        var owner = await api.NewTenantAsync("live");
        await owner.CreateAsync("customer", """{"name":"Listed Owner","email":"listed@matrix.example"}""");
        await owner.CreateAsync("product", """{"name":"Listed Product","price":3}""");
        var intruder = await api.NewTenantAsync("live");

        foreach (var url in new[] { "/v1/customers", "/v1/products", "/v1/customers?search=listed@matrix.example", "/v1/keys" })
        {
            var (response, json) = await intruder.SendAsync(HttpMethod.Get, url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.DoesNotContain("Listed", json.ToString());
            Assert.DoesNotContain("listed@matrix", json.ToString());
        }
    }
}
