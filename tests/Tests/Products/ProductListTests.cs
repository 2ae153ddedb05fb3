using System.Net;
using System.Text.Json;
using Tests.Infrastructure;

namespace Tests.Products;

/// <summary>Listing products from the projection: filters, search, paging and the options action.</summary>
public sealed class ProductListTests(CatalogueApi api) : IClassFixture<CatalogueApi>
{
    private static async Task<TestTenant> WithCatalogueAsync(CatalogueApi api)
    {
        var tenant = await api.NewTenantAsync();
        await tenant.CreateAsync("product", """{"name":"Enterprise License","price":999.00,"type":"service","description":"Annual enterprise license","sku":"ENT-001","category":"Software"}""");
        await tenant.CreateAsync("product", """{"name":"Onboarding Session","price":250,"type":"service","category":"Services","requires_booking":true,"session_duration":60,"buffer_time":15}""");
        await tenant.CreateAsync("product", """{"name":"Pro Plan","price":99,"type":"subscription","price_type":"recurring","billing_cycle":"monthly","category":"software","family_id":"fam_plans"}""");
        await tenant.CreateAsync("product", """{"name":"Old Widget","price":5,"type":"product","status":"archived","sku":"WID-9"}""");
        return tenant;
    }

    private static async Task<string[]> NamesAsync(TestTenant tenant, string query)
    {
        var (response, body) = await tenant.SendAsync(HttpMethod.Get, "/v1/products" + query);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{query}: {(int)response.StatusCode} {body}");
        return [.. body.GetProperty("data").GetProperty("products").EnumerateArray().Select(c => c.Str("name")).Order()];
    }

    [Fact]
    public async Task Filters_by_status_type_category_family_booking_and_price()
    {
        var tenant = await WithCatalogueAsync(api);

        Assert.Equal(["Old Widget"], await NamesAsync(tenant, "?status=archived"));
        Assert.Equal(["Enterprise License", "Onboarding Session"], await NamesAsync(tenant, "?type=service"));
        Assert.Equal(["Enterprise License", "Pro Plan"], await NamesAsync(tenant, "?category=Software"));
        Assert.Equal(["Pro Plan"], await NamesAsync(tenant, "?family=fam_plans"));
        Assert.Equal(["Onboarding Session"], await NamesAsync(tenant, "?requires_booking=1"));
        Assert.Equal(3, (await NamesAsync(tenant, "?requires_booking=false")).Length);
        Assert.Equal(["Onboarding Session", "Pro Plan"], await NamesAsync(tenant, "?min_value=50&max_value=500"));
        Assert.Equal(["Enterprise License"], await NamesAsync(tenant, "?type=service&category=software&status=active"));
    }

    [Theory]
    [InlineData("?type=physical", "type")]
    [InlineData("?requires_booking=maybe", "requires_booking")]
    [InlineData("?status=gone", "status")]
    [InlineData("?limit=0", "limit")]
    public async Task Bad_filter_values_are_400_with_the_parameter(string query, string field)
    {
        var tenant = await api.NewTenantAsync();
        var body = await tenant.BadRequestAsync(HttpMethod.Get, "/v1/products" + query);
        body.FieldCode(field);
    }

    [Fact]
    public async Task Search_matches_words_of_name_sku_and_description()
    {
        var tenant = await WithCatalogueAsync(api);

        Assert.Equal(["Enterprise License"], await NamesAsync(tenant, "?search=enterprise"));
        Assert.Equal(["Enterprise License"], await NamesAsync(tenant, "?search=ENT-001"));
        Assert.Equal(["Enterprise License"], await NamesAsync(tenant, "?search=annual%20license"));
        Assert.Equal(["Old Widget"], await NamesAsync(tenant, "?search=wid-9"));
        Assert.Empty(await NamesAsync(tenant, "?search=enterp"));
        Assert.Equal(["Pro Plan"], await NamesAsync(tenant, "?search=pro"));
    }

    [Fact]
    public async Task Pages_follow_cursors_and_format_minimal_shapes_items()
    {
        var tenant = await WithCatalogueAsync(api);

        var (_, first) = await tenant.SendAsync(HttpMethod.Get, "/v1/products?limit=3&format=minimal");
        var pagination = first.GetProperty("data").GetProperty("pagination");
        Assert.Equal(4, pagination.GetProperty("total").GetInt64());
        Assert.True(pagination.GetProperty("has_more").GetBoolean());
        Assert.All(first.GetProperty("data").GetProperty("products").EnumerateArray(),
            p => Assert.Equal(["id", "status", "updated_at"], p.EnumerateObject().Select(x => x.Name).Order()));

        var (_, second) = await tenant.SendAsync(HttpMethod.Get, $"/api/v1/products?limit=3&after={pagination.Str("next_cursor")}");
        var rest = second.GetProperty("data").GetProperty("products");
        Assert.Equal(1, rest.GetArrayLength());
        Assert.False(second.GetProperty("data").GetProperty("pagination").GetProperty("has_more").GetBoolean());
        var firstIds = first.GetProperty("data").GetProperty("products").EnumerateArray().Select(p => p.Str("id"));
        Assert.DoesNotContain(rest[0].Str("id"), firstIds);
    }

    [Fact]
    public async Task Action_options_returns_the_configuration_schema()
    {
        var tenant = await api.NewTenantAsync();
        var schema = """{"type":"object","properties":{"seats":{"type":"integer","minimum":1}},"required":["seats"]}""";
        var id = (await tenant.CreateAsync("product", $$"""{"name":"Configurable","price":10,"configuration_schema":{{schema}}}""")).Str("id");
        var plain = (await tenant.CreateAsync("product", """{"name":"Plain","price":10}""")).Str("id");

        var (response, body) = await tenant.SendAsync(HttpMethod.Get, $"/v1/products?action=options&id={id}");
        var (_, none) = await tenant.SendAsync(HttpMethod.Get, $"/v1/products?action=options&id={plain}");
        var (noId, noIdBody) = await tenant.SendAsync(HttpMethod.Get, "/v1/products?action=options");
        var (unknown, unknownBody) = await tenant.SendAsync(HttpMethod.Get, $"/v1/products?action=explode&id={id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(id, body.GetProperty("data").Str("product_id"));
        Assert.Equal(JsonDocument.Parse(schema).RootElement.ToString(), body.GetProperty("data").GetProperty("configuration_schema").ToString());
        Assert.Equal(JsonValueKind.Null, none.GetProperty("data").GetProperty("configuration_schema").ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, noId.StatusCode);
        Assert.Equal("validation_error.bad_request", noIdBody.Code());
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal("validation_error.bad_request", unknownBody.Code());
    }

    [Fact]
    public async Task Updates_and_deletes_show_in_the_list()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.CreateAsync("product", """{"name":"Basic Plan","price":10,"category":"Plans"}""")).Str("id");
        await tenant.SendAsync(HttpMethod.Patch, $"/v1/products/{id}", """{"name":"Premium Plan","category":"Premium"}""", "1");

        Assert.Empty(await NamesAsync(tenant, "?search=basic"));
        Assert.Empty(await NamesAsync(tenant, "?category=plans"));
        Assert.Equal(["Premium Plan"], await NamesAsync(tenant, "?search=premium&category=premium"));

        await tenant.SendAsync(HttpMethod.Delete, $"/v1/products/{id}", ifMatch: "2");
        Assert.Empty(await NamesAsync(tenant, ""));
    }
}
