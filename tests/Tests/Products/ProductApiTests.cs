using System.Net;
using System.Text.Json;
using Grains.Interfaces.Events;
using Grains.Interfaces.Products;
using Tests.Infrastructure;

namespace Tests.Products;

/// <summary>Products through the real HTTP pipeline: the document's examples, validation, whitelisting, locking, outbox.</summary>
public sealed class ProductApiTests(CatalogueApi api) : IClassFixture<CatalogueApi>
{
    // The document's create example, verbatim.
    private const string DocCreate = """
        {
        "name": "Enterprise License",
        "price": 999.00,
        "type": "service",
        "description": "Annual enterprise license",
        "sku": "ENT-001"
        }
        """;

    // The document's PATCH example, verbatim (sent with If-Match: 2).
    private const string DocPatch = """
        {
        "price": 1199.00,
        "status": "active",
        "stock_quantity": 50
        }
        """;

    [Fact]
    public async Task The_documented_create_example_answers_201_with_the_product_and_defaults()
    {
        var tenant = await api.NewTenantAsync("test");
        var (response, body) = await tenant.SendAsync(HttpMethod.Post, "/v1/products", DocCreate);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("W/\"1\"", response.ETag());
        var product = body.GetProperty("data").GetProperty("product");
        Assert.Matches("^prod_[0-9a-f]{24}$", product.Str("id"));
        Assert.Equal(product.Str("id"), product.Str("product_id"));
        Assert.Equal("Enterprise License", product.Str("name"));
        Assert.Equal("999.00", product.GetProperty("price").GetRawText());
        Assert.Equal("service", product.Str("type"));
        Assert.Equal("ENT-001", product.Str("sku"));
        Assert.Equal("active", product.Str("status"));
        Assert.Equal("once_off", product.Str("price_type"));
        Assert.Equal("USD", product.Str("currency"));
        Assert.Equal(90, product.GetProperty("max_advance_days").GetInt32());
        Assert.Equal(24, product.GetProperty("min_advance_hours").GetInt32());
        Assert.True(product.GetProperty("allow_staff_selection").GetBoolean());
        Assert.False(product.GetProperty("requires_booking").GetBoolean());
        Assert.Equal(1, product.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task The_first_integration_product_example_is_created()
    {
        var tenant = await api.NewTenantAsync();
        var product = await tenant.CreateAsync("product", """
            {
            "name": "Pro Plan",
            "price": 99.00,
            "type": "service"
            }
            """);
        Assert.Equal("99.00", product.GetProperty("price").GetRawText());
    }

    [Fact]
    public async Task The_documented_patch_example_applies_at_version_2()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.CreateAsync("product", DocCreate)).Str("id");
        await tenant.SendAsync(HttpMethod.Patch, $"/v1/products?id={id}", """{"category":"Licences"}""", "1");

        var (response, body) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/products?id={id}", DocPatch, "2");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("W/\"3\"", response.ETag());
        var product = body.GetProperty("data").GetProperty("product");
        Assert.Equal("1199.00", product.GetProperty("price").GetRawText());
        Assert.Equal(50, product.GetProperty("stock_quantity").GetInt32());
        Assert.Equal("Licences", product.Str("category"));
        Assert.Equal(3, product.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task The_documented_delete_example_removes_the_product()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.CreateAsync("product", DocCreate)).Str("id");

        var (response, _) = await tenant.SendAsync(HttpMethod.Delete, $"/v1/products?id={id}", ifMatch: "1");
        var (gone, goneBody) = await tenant.SendAsync(HttpMethod.Get, $"/v1/products/{id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("not_found", goneBody.Code());
    }

    [Theory]
    [InlineData("""{"price":1}""", "name", "required")]
    [InlineData("""{"name":"A"}""", "price", "required")]
    [InlineData("""{"name":"A","price":-1}""", "price", "out_of_range")]
    [InlineData("""{"name":"A","price":"abc"}""", "price", "invalid_type")]
    [InlineData("""{"name":"A","price":1,"type":"physical"}""", "type", "invalid")]
    [InlineData("""{"name":"A","price":1,"price_type":"recurring"}""", "billing_cycle", "required")]
    [InlineData("""{"name":"A","price":1,"billing_cycle":"weekly"}""", "billing_cycle", "invalid")]
    [InlineData("""{"name":"A","price":1,"pricing_model":"free"}""", "pricing_model", "invalid")]
    [InlineData("""{"name":"A","price":1,"currency":"ZZZ"}""", "currency", "invalid")]
    [InlineData("""{"name":"A","price":1,"session_duration":4}""", "session_duration", "out_of_range")]
    [InlineData("""{"name":"A","price":1,"session_duration":481}""", "session_duration", "out_of_range")]
    [InlineData("""{"name":"A","price":1,"buffer_time":121}""", "buffer_time", "out_of_range")]
    [InlineData("""{"name":"A","price":1,"stock_quantity":1.5}""", "stock_quantity", "invalid_type")]
    [InlineData("""{"name":"A","price":1,"track_inventory":"yes"}""", "track_inventory", "invalid_type")]
    [InlineData("""{"name":"A","price":1,"metadata":{"a":{"b":{"c":{"d":1}}}}}""", "metadata", "too_deep")]
    [InlineData("""{"name":"A","price":1,"configuration_schema":[1]}""", "configuration_schema", "invalid_type")]
    [InlineData("""{"name":"A","price":1,"learn_more_url":"javascript:alert(1)"}""", "learn_more_url", "invalid")]
    [InlineData("""{"name":"A","price":1,"features":[1,2]}""", "features", "invalid")]
    [InlineData("""{"name":"A","price":1,"tax_rate":101}""", "tax_rate", "out_of_range")]
    public async Task Invalid_fields_answer_400_with_the_field_code(string json, string field, string code)
    {
        var tenant = await api.NewTenantAsync();
        var body = await tenant.BadRequestAsync(HttpMethod.Post, "/v1/products", json);

        Assert.Equal(code, body.FieldCode(field));
    }

    [Fact]
    public async Task Lengths_are_255_for_names_and_10000_for_descriptions()
    {
        var tenant = await api.NewTenantAsync();
        var ok = JsonSerializer.Serialize(new { name = new string('n', 255), price = 1, description = new string('d', 10_000) });
        var tooLong = JsonSerializer.Serialize(new { name = new string('n', 256), price = 1, description = new string('d', 10_001) });

        await tenant.CreateAsync("product", ok);
        var body = await tenant.BadRequestAsync(HttpMethod.Post, "/v1/products", tooLong);
        Assert.Equal("too_long", body.FieldCode("name"));
        Assert.Equal("too_long", body.FieldCode("description"));
    }

    [Fact]
    public async Task Tax_rates_of_1_or_more_are_percentages_and_recurring_prices_keep_their_cycle()
    {
        var tenant = await api.NewTenantAsync();
        var product = await tenant.CreateAsync("product",
            """{"name":"Seat","price":"12.5","tax_rate":10,"price_type":"recurring","billing_cycle":"monthly","features":["SSO","Audit log"]}""");

        Assert.Equal(0.1m, product.GetProperty("tax_rate").GetDecimal());
        Assert.Equal("recurring", product.Str("price_type"));
        Assert.Equal("monthly", product.Str("billing_cycle"));
        Assert.Equal(["SSO", "Audit log"], product.GetProperty("features").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public async Task A_patch_that_breaks_a_cross_field_rule_is_400_and_changes_nothing()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.CreateAsync("product", DocCreate)).Str("id");

        var body = await tenant.BadRequestAsync(HttpMethod.Patch, $"/v1/products/{id}", """{"price_type":"recurring","price":5}""", "1");

        Assert.Equal("required", body.FieldCode("billing_cycle"));
        var (_, after) = await tenant.SendAsync(HttpMethod.Get, $"/v1/products/{id}");
        var product = after.GetProperty("data").GetProperty("product");
        Assert.Equal(1, product.GetProperty("version").GetInt64());
        Assert.Equal("999.00", product.GetProperty("price").GetRawText());
    }

    [Fact]
    public async Task Patch_null_clears_a_field_or_restores_its_default()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.CreateAsync("product", DocCreate)).Str("id");

        var (response, body) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/products/{id}", """{"sku":null,"type":null,"description":""}""", "1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var product = body.GetProperty("data").GetProperty("product");
        Assert.Equal(JsonValueKind.Null, product.GetProperty("sku").ValueKind);
        Assert.Equal(JsonValueKind.Null, product.GetProperty("description").ValueKind);
        Assert.Equal("product", product.Str("type"));
        var (refused, refusedBody) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/products/{id}", """{"price":null}""", "2");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("required", refusedBody.FieldCode("price"));
    }

    [Fact]
    public async Task System_fields_are_dropped_and_validate_only_creates_nothing()
    {
        var tenant = await api.NewTenantAsync();
        var product = await tenant.CreateAsync("product",
            """{"name":"X","price":1,"id":"prod_000000000000000000000000","version":7,"tenant_id":"ten_x","created_at":"2001-01-01T00:00:00Z","total":5}""");
        Assert.NotEqual("prod_000000000000000000000000", product.Str("id"));
        Assert.Equal(1, product.GetProperty("version").GetInt64());
        Assert.False(product.TryGetProperty("total", out _));

        var (ok, okBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/products?validate_only=true", DocCreate);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("Validation passed", okBody.GetProperty("data").Str("message"));
        var (_, list) = await tenant.SendAsync(HttpMethod.Get, "/v1/products");
        Assert.Equal(1, list.GetProperty("data").GetProperty("pagination").GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Locking_needs_If_Match_and_a_stale_one_gets_412_with_the_current_product()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.CreateAsync("product", DocCreate)).Str("id");
        await tenant.SendAsync(HttpMethod.Patch, $"/v1/products/{id}", DocPatch, "W/\"1\"");

        var (missing, missingBody) = await tenant.SendAsync(HttpMethod.Delete, $"/v1/products/{id}");
        var (stale, staleBody) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/products/{id}", """{"price":1}""", "1");

        Assert.Equal((HttpStatusCode)428, missing.StatusCode);
        Assert.Equal("validation_error.precondition_required", missingBody.Code());
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal("conflict.stale_version", staleBody.Code());
        Assert.Equal("1199.00", staleBody.GetProperty("data").GetProperty("product").GetProperty("price").GetRawText());
        Assert.Equal(2, staleBody.GetProperty("data").GetProperty("product").GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Another_tenant_or_environment_gets_404()
    {
        var owner = await api.NewTenantAsync("live");
        var stranger = await api.NewTenantAsync("live");
        var id = (await owner.CreateAsync("product", DocCreate)).Str("id");
        var ownTestKey = api.CreateClient().WithKey(await owner.KeyAsync(["products:read", "products:write"], "test"));

        foreach (var http in new[] { stranger.Http, ownTestKey })
        {
            foreach (var (method, json) in new[] { (HttpMethod.Get, (string?)null), (HttpMethod.Patch, """{"price":1}"""), (HttpMethod.Delete, null) })
            {
                var (response, body) = await http.SendJsonAsync(method, $"/v1/products/{id}", json, new Dictionary<string, string> { ["If-Match"] = "1" });
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
                Assert.Equal("not_found", body.Code());
            }
            var (_, options) = await http.SendJsonAsync(HttpMethod.Get, $"/v1/products?action=options&id={id}");
            Assert.Equal("not_found", options.Code());
        }
    }

    [Fact]
    public async Task Each_change_records_its_event_in_the_outbox()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.CreateAsync("product", DocCreate)).Str("id");
        await tenant.SendAsync(HttpMethod.Patch, $"/v1/products/{id}", DocPatch, "1");
        await tenant.SendAsync(HttpMethod.Delete, $"/v1/products/{id}", ifMatch: "2");

        // The grain hands its outbox on to the tenant event log after each write.
        var events = (await api.Grains.GetGrain<IEventLogGrain>(tenant.Partition).Query(new EventLogQuery())).Events;

        Assert.Equal(["product.created", "product.updated", "product.deleted"], events.Select(e => e.Type));
        Assert.All(events, e => Assert.StartsWith("evt_", e.Id));
        var updated = JsonDocument.Parse(events[1].DataJson).RootElement;
        Assert.Equal(["price", "stock_quantity"], updated.GetProperty("changed_fields").EnumerateArray().Select(f => f.GetString()).Order());
        Assert.Equal(1199.00m, updated.GetProperty("price").GetDecimal());
        Assert.Equal(id, JsonDocument.Parse(events[2].DataJson).RootElement.Str("product_id"));
    }
}
