using System.Net;
using System.Text.Json;
using Tests.Infrastructure;

namespace Tests.Customers;

/// <summary>Listing customers from the projection: token-exact search over encrypted data, status, paging, shaping.</summary>
public sealed class CustomerListTests(CatalogueApi api) : IClassFixture<CatalogueApi>
{
    private static async Task<TestTenant> WithCustomersAsync(CatalogueApi api)
    {
        var tenant = await api.NewTenantAsync();
        await tenant.CreateAsync("customer", """{"name":"Jane Smith","email":"jane.smith@example.com","phone":"+61412345678","company":"Acme Corp"}""");
        await tenant.CreateAsync("customer", """{"name":"John O'Brien","email":"john@obrien.io","company":"Beta Pty Ltd","status":"inactive"}""");
        await tenant.CreateAsync("customer", """{"name":"Jane Doe","email":"jd@sample.org","company":"Acme Labs","status":"archived"}""");
        return tenant;
    }

    private static async Task<string[]> NamesAsync(TestTenant tenant, string query)
    {
        var (response, body) = await tenant.SendAsync(HttpMethod.Get, "/v1/customers" + query);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{query}: {(int)response.StatusCode} {body}");
        return [.. body.GetProperty("data").GetProperty("customers").EnumerateArray().Select(c => c.Str("name")).Order()];
    }

    [Fact]
    public async Task Search_matches_whole_tokens_of_name_email_phone_and_company()
    {
        var tenant = await WithCustomersAsync(api);

        Assert.Equal(["Jane Doe", "Jane Smith"], await NamesAsync(tenant, "?search=jane"));
        Assert.Equal(["Jane Smith"], await NamesAsync(tenant, "?search=JANE%20smith"));
        Assert.Equal(["Jane Smith"], await NamesAsync(tenant, "?search=jane.smith@example.com"));
        Assert.Equal(["Jane Smith"], await NamesAsync(tenant, "?search=example.com"));
        Assert.Equal(["Jane Smith"], await NamesAsync(tenant, "?search=%2B61%20412%20345%20678"));
        Assert.Equal(["Jane Doe", "Jane Smith"], await NamesAsync(tenant, "?search=acme"));
        Assert.Equal(["John O'Brien"], await NamesAsync(tenant, "?search=o%27brien"));
        Assert.Equal(["John O'Brien"], await NamesAsync(tenant, "?search=obrien.io"));
    }

    [Fact]
    public async Task Search_is_token_exact_not_substring_because_the_data_is_encrypted()
    {
        var tenant = await WithCustomersAsync(api);

        Assert.Empty(await NamesAsync(tenant, "?search=jan"));
        Assert.Empty(await NamesAsync(tenant, "?search=acm"));
        Assert.Empty(await NamesAsync(tenant, "?search=412345678"));
        Assert.Empty(await NamesAsync(tenant, "?search=jane%20beta"));
        Assert.Empty(await NamesAsync(tenant, "?search=%21%21%21"));
    }

    [Fact]
    public async Task Status_filters_and_unknown_status_is_400()
    {
        var tenant = await WithCustomersAsync(api);

        Assert.Equal(["John O'Brien"], await NamesAsync(tenant, "?status=inactive"));
        Assert.Equal(["Jane Doe"], await NamesAsync(tenant, "?status=archived&search=jane"));
        var body = await tenant.BadRequestAsync(HttpMethod.Get, "/v1/customers?status=deleted");
        Assert.Equal("invalid", body.FieldCode("status"));
    }

    [Fact]
    public async Task Pages_by_offset_and_by_cursor_without_gaps_or_repeats()
    {
        var tenant = await api.NewTenantAsync();
        for (var i = 0; i < 5; i++)
        {
            await tenant.CreateAsync("customer", $$"""{"name":"Customer {{i}}","email":"c{{i}}@example.com"}""");
        }

        var (_, first) = await tenant.SendAsync(HttpMethod.Get, "/v1/customers?limit=2");
        var pagination = first.GetProperty("data").GetProperty("pagination");
        Assert.Equal(5, pagination.GetProperty("total").GetInt64());
        Assert.Equal(2, pagination.GetProperty("count").GetInt32());
        Assert.True(pagination.GetProperty("has_more").GetBoolean());
        var seen = Ids(first).ToList();
        var cursor = pagination.Str("next_cursor");
        while (cursor is not null)
        {
            var (_, page) = await tenant.SendAsync(HttpMethod.Get, $"/v1/customers?limit=2&after={cursor}");
            seen.AddRange(Ids(page));
            var next = page.GetProperty("data").GetProperty("pagination").GetProperty("next_cursor");
            cursor = next.ValueKind == JsonValueKind.Null ? null : next.GetString();
        }
        Assert.Equal(5, seen.Distinct().Count());
        Assert.Equal(5, seen.Count);

        var (_, byOffset) = await tenant.SendAsync(HttpMethod.Get, "/v1/customers?limit=2&offset=4");
        Assert.Equal(seen[4], Assert.Single(Ids(byOffset)));
        var (badLimit, badBody) = await tenant.SendAsync(HttpMethod.Get, "/v1/customers?limit=101");
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        Assert.Equal("out_of_range", badBody.FieldCode("limit"));
    }

    [Fact]
    public async Task Fields_and_format_minimal_shape_lists_and_single_reads()
    {
        var tenant = await WithCustomersAsync(api);

        var (_, minimal) = await tenant.SendAsync(HttpMethod.Get, "/v1/customers?format=minimal");
        Assert.All(minimal.GetProperty("data").GetProperty("customers").EnumerateArray(),
            c => Assert.Equal(["id", "status", "updated_at"], c.EnumerateObject().Select(p => p.Name).Order()));

        var id = Ids(minimal).First();
        var (_, single) = await tenant.SendAsync(HttpMethod.Get, $"/v1/customers?id={id}&fields=name,email");
        var customer = single.GetProperty("data").GetProperty("customer");
        Assert.Equal(["email", "id", "name"], customer.EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public async Task Changes_and_deletes_show_in_the_list()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.CreateAsync("customer", """{"name":"Ann Lee","email":"ann@example.com"}""")).Str("id");
        await tenant.SendAsync(HttpMethod.Patch, $"/v1/customers/{id}", """{"name":"Ann Kim","status":"inactive"}""", "1");

        Assert.Empty(await NamesAsync(tenant, "?search=lee"));
        Assert.Equal(["Ann Kim"], await NamesAsync(tenant, "?search=kim&status=inactive"));

        await tenant.SendAsync(HttpMethod.Delete, $"/v1/customers/{id}", ifMatch: "2");
        Assert.Empty(await NamesAsync(tenant, ""));
    }

    private static IEnumerable<string> Ids(JsonElement body) =>
        body.GetProperty("data").GetProperty("customers").EnumerateArray().Select(c => c.Str("id"));
}
