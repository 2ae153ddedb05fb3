using System.Net;
using System.Text.Json;
using Tests.Infrastructure;

namespace Tests.Customers;

/// <summary>Customers through the real HTTP pipeline: the document's examples, validation, field whitelisting, locking.</summary>
public sealed class CustomerApiTests(CatalogueApi api) : IClassFixture<CatalogueApi>
{
    // The document's create example, verbatim.
    private const string DocCreate = """
        {
        "name": "Jane Smith",
        "email": "jane@example.com",
        "phone": "+61412345678",
        "company": "Acme Corp",
        "status": "active"
        }
        """;

    // The document's PATCH example, verbatim (sent with If-Match: 5).
    private const string DocPatch = """
        {
        "phone": "+14155552671",
        "company": "Acme Corp (updated)",
        "status": "active"
        }
        """;

    [Fact]
    public async Task The_documented_create_example_answers_201_with_the_customer_and_ETag_version_1()
    {
        var tenant = await api.NewTenantAsync("test");
        var (response, body) = await tenant.SendAsync(HttpMethod.Post, "/v1/customers", DocCreate);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("W/\"1\"", response.ETag());
        Assert.True(body.GetProperty("success").GetBoolean());
        var customer = body.GetProperty("data").GetProperty("customer");
        Assert.Matches("^cust_[0-9a-f]{24}$", customer.Str("id"));
        Assert.Equal(customer.Str("id"), customer.Str("customer_id"));
        Assert.Equal("Jane Smith", customer.Str("name"));
        Assert.Equal("jane@example.com", customer.Str("email"));
        Assert.Equal("+61412345678", customer.Str("phone"));
        Assert.Equal("Acme Corp", customer.Str("company"));
        Assert.Equal("active", customer.Str("status"));
        Assert.Equal(1, customer.GetProperty("version").GetInt64());
        Assert.Equal(customer.Str("created_at"), customer.Str("updated_at"));
    }

    [Fact]
    public async Task The_first_integration_example_without_phone_or_status_defaults_to_active()
    {
        var tenant = await api.NewTenantAsync();
        var customer = await tenant.CreateAsync("customer", """
            {
            "name": "Jane Smith",
            "email": "jane@example.com",
            "company": "Acme Corp"
            }
            """);

        Assert.Equal("active", customer.Str("status"));
        Assert.Equal(JsonValueKind.Null, customer.GetProperty("phone").ValueKind);
    }

    [Fact]
    public async Task The_documented_patch_example_applies_at_version_5_and_answers_version_6()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.CreateAsync("customer", DocCreate)).Str("id");
        for (var version = 1; version < 5; version++)
        {
            var (r, b) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/customers?id={id}", $$"""{"notes":"call {{version}}"}""", version.ToString());
            Assert.True(r.StatusCode == HttpStatusCode.OK, b.ToString());
        }

        var (response, body) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/customers?id={id}", DocPatch, "5");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("W/\"6\"", response.ETag());
        var customer = body.GetProperty("data").GetProperty("customer");
        Assert.Equal(6, customer.GetProperty("version").GetInt64());
        Assert.Equal("+14155552671", customer.Str("phone"));
        Assert.Equal("Acme Corp (updated)", customer.Str("company"));
        Assert.Equal("Jane Smith", customer.Str("name"));
        Assert.Equal("call 4", customer.Str("notes"));
    }

    [Fact]
    public async Task The_documented_delete_example_removes_the_customer()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.CreateAsync("customer", DocCreate)).Str("id");

        var (response, body) = await tenant.SendAsync(HttpMethod.Delete, $"/v1/customers?id={id}", ifMatch: "1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.GetProperty("data").GetProperty("deleted").GetBoolean());
        var (gone, goneBody) = await tenant.SendAsync(HttpMethod.Get, $"/v1/customers?id={id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("not_found", goneBody.Code());
    }

    [Fact]
    public async Task Path_and_query_forms_under_v1_and_api_v1_reach_the_same_customer()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.CreateAsync("customer", DocCreate)).Str("id");

        foreach (var url in new[] { $"/v1/customers/{id}", $"/v1/customers?id={id}", $"/api/v1/customers/{id}", $"/api/v1/customers?id={id}" })
        {
            var (response, body) = await tenant.SendAsync(HttpMethod.Get, url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("W/\"1\"", response.ETag());
            Assert.Equal(id, body.GetProperty("data").GetProperty("customer").Str("customer_id"));
        }
        var (patched, _) = await tenant.SendAsync(HttpMethod.Patch, $"/api/v1/customers/{id}", """{"city":"Sydney"}""", "W/\"1\"");
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var (deleted, _) = await tenant.SendAsync(HttpMethod.Delete, $"/api/v1/customers/{id}", ifMatch: "2");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
    }

    [Theory]
    [InlineData("""{"email":"a@example.com"}""", "name", "required")]
    [InlineData("""{"name":"A"}""", "email", "required")]
    [InlineData("""{"name":"A","email":"not-an-email"}""", "email", "invalid")]
    [InlineData("""{"name":"A","email":"a@example.com","phone":"0412"}""", "phone", "invalid")]
    [InlineData("""{"name":"A","email":"a@example.com","status":"deleted"}""", "status", "invalid")]
    [InlineData("""{"name":42,"email":"a@example.com"}""", "name", "invalid_type")]
    [InlineData("""{"name":"A","email":"a@example.com","metadata":{"a":{"b":{"c":{"d":1}}}}}""", "metadata", "too_deep")]
    [InlineData("""{"name":"A","email":"a@example.com","metadata":"x"}""", "metadata", "invalid_type")]
    public async Task Invalid_fields_answer_400_with_the_field_code(string json, string field, string code)
    {
        var tenant = await api.NewTenantAsync();
        var body = await tenant.BadRequestAsync(HttpMethod.Post, "/v1/customers", json);

        Assert.Equal(code, body.FieldCode(field));
    }

    [Fact]
    public async Task Names_over_255_and_notes_over_10000_characters_are_too_long_and_all_problems_come_at_once()
    {
        var tenant = await api.NewTenantAsync();
        var json = JsonSerializer.Serialize(new { name = new string('n', 256), email = "x", notes = new string('n', 10_001) });

        var body = await tenant.BadRequestAsync(HttpMethod.Post, "/v1/customers", json);

        Assert.Equal("too_long", body.FieldCode("name"));
        Assert.Equal("too_long", body.FieldCode("notes"));
        Assert.Equal("invalid", body.FieldCode("email"));
    }

    [Fact]
    public async Task Phones_are_normalised_to_E164_and_emails_lower_cased()
    {
        var tenant = await api.NewTenantAsync();
        var customer = await tenant.CreateAsync("customer", """{"name":"Bo","email":"Bo@Example.COM","phone":"+61 (412) 345-678"}""");

        Assert.Equal("+61412345678", customer.Str("phone"));
        Assert.Equal("bo@example.com", customer.Str("email"));
    }

    [Fact]
    public async Task System_and_unknown_fields_are_silently_dropped_on_create_and_update()
    {
        var tenant = await api.NewTenantAsync();
        var customer = await tenant.CreateAsync("customer", """
            {"name":"Jane","email":"j@example.com","id":"cust_000000000000000000000000","customer_id":"cust_x",
             "tenant_id":"ten_other","version":99,"created_at":"2001-01-01T00:00:00Z","is_admin":true}
            """);
        Assert.NotEqual("cust_000000000000000000000000", customer.Str("id"));
        Assert.Equal(1, customer.GetProperty("version").GetInt64());
        Assert.NotEqual("2001-01-01T00:00:00Z", customer.Str("created_at"));
        Assert.False(customer.TryGetProperty("is_admin", out _));
        Assert.False(customer.TryGetProperty("tenant_id", out _));

        var (response, body) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/customers/{customer.Str("id")}",
            """{"version":50,"updated_at":"2001-01-01T00:00:00Z","id":"cust_y","company":"New Co"}""", "1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var updated = body.GetProperty("data").GetProperty("customer");
        Assert.Equal(customer.Str("id"), updated.Str("id"));
        Assert.Equal(2, updated.GetProperty("version").GetInt64());
        Assert.Equal("New Co", updated.Str("company"));
    }

    [Fact]
    public async Task Validate_only_checks_the_body_and_creates_nothing()
    {
        var tenant = await api.NewTenantAsync();

        var (ok, okBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/customers?validate_only=true", DocCreate);
        var (bad, badBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/customers?validate_only=true", """{"name":"A"}""");

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.True(okBody.GetProperty("data").GetProperty("valid").GetBoolean());
        Assert.Equal("Validation passed", okBody.GetProperty("data").Str("message"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("required", badBody.FieldCode("email"));
        var (_, list) = await tenant.SendAsync(HttpMethod.Get, "/v1/customers");
        Assert.Equal(0, list.GetProperty("data").GetProperty("pagination").GetProperty("total").GetInt64());
        // Nothing was reserved either: the email can still be used.
        await tenant.CreateAsync("customer", DocCreate);
    }

    [Fact]
    public async Task Patch_and_delete_without_If_Match_answer_428()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.CreateAsync("customer", DocCreate)).Str("id");

        var (patch, patchBody) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/customers?id={id}", DocPatch);
        var (delete, deleteBody) = await tenant.SendAsync(HttpMethod.Delete, $"/v1/customers?id={id}");

        Assert.Equal((HttpStatusCode)428, patch.StatusCode);
        Assert.Equal("validation_error.precondition_required", patchBody.Code());
        Assert.Equal((HttpStatusCode)428, delete.StatusCode);
        Assert.Equal("validation_error.precondition_required", deleteBody.Code());
    }

    [Theory]
    [InlineData("2")]
    [InlineData("W/\"2\"")]
    [InlineData("\"2\"")]
    public async Task A_stale_If_Match_answers_412_with_the_current_customer_and_changes_nothing(string current)
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.CreateAsync("customer", DocCreate)).Str("id");
        await tenant.SendAsync(HttpMethod.Patch, $"/v1/customers?id={id}", """{"city":"Perth"}""", "W/\"1\"");

        var (stale, body) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/customers?id={id}", """{"city":"Hobart"}""", "W/\"1\"");
        var (staleDelete, _) = await tenant.SendAsync(HttpMethod.Delete, $"/v1/customers?id={id}", ifMatch: "1");

        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal("conflict.stale_version", body.Code());
        Assert.True(body.GetProperty("recovery").GetProperty("retryable").GetBoolean());
        var data = body.GetProperty("data").GetProperty("customer");
        Assert.Equal(2, data.GetProperty("version").GetInt64());
        Assert.Equal("Perth", data.Str("city"));
        Assert.Equal(HttpStatusCode.PreconditionFailed, staleDelete.StatusCode);

        var (fresh, freshBody) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/customers?id={id}", """{"city":"Hobart"}""", current);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.Equal("Hobart", freshBody.GetProperty("data").GetProperty("customer").Str("city"));
    }

    [Fact]
    public async Task Patch_null_clears_optional_fields_but_not_required_ones_and_a_no_op_keeps_the_version()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.CreateAsync("customer", DocCreate)).Str("id");

        var (cleared, body) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/customers/{id}", """{"phone":null,"company":""}""", "1");
        var customer = body.GetProperty("data").GetProperty("customer");
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.Equal(JsonValueKind.Null, customer.GetProperty("phone").ValueKind);
        Assert.Equal(JsonValueKind.Null, customer.GetProperty("company").ValueKind);

        var (refused, refusedBody) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/customers/{id}", """{"name":null,"email":""}""", "2");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("required", refusedBody.FieldCode("name"));
        Assert.Equal("required", refusedBody.FieldCode("email"));

        var (same, sameBody) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/customers/{id}", """{"status":"active"}""", "2");
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        Assert.Equal(2, sameBody.GetProperty("data").GetProperty("customer").GetProperty("version").GetInt64());
    }

    [Theory]
    [InlineData("cust_does_not_exist")]
    [InlineData("cust_0123456789abcdef01234567")]
    [InlineData("prod_0123456789abcdef01234567")]
    public async Task Unknown_or_malformed_ids_are_404_for_get_patch_and_delete(string id)
    {
        var tenant = await api.NewTenantAsync();
        foreach (var (method, json, ifMatch) in new[] { (HttpMethod.Get, (string?)null, (string?)null), (HttpMethod.Patch, "{}", "1"), (HttpMethod.Delete, null, "1") })
        {
            var (response, body) = await tenant.SendAsync(method, $"/v1/customers?id={id}", json, ifMatch);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("not_found", body.Code());
        }
    }

    [Fact]
    public async Task Patch_without_an_id_is_a_400()
    {
        var tenant = await api.NewTenantAsync();
        var body = await tenant.BadRequestAsync(HttpMethod.Patch, "/v1/customers", "{}", "1");
        Assert.Equal("validation_error.bad_request", body.Code());
    }

    [Fact]
    public async Task An_idempotent_create_is_replayed_instead_of_creating_a_second_customer()
    {
        var tenant = await api.NewTenantAsync();
        var headers = new Dictionary<string, string> { ["Idempotency-Key"] = "create-jane-1" };

        var (first, firstBody) = await tenant.Http.SendJsonAsync(HttpMethod.Post, "/v1/customers", DocCreate, headers);
        var (replay, replayBody) = await tenant.Http.SendJsonAsync(HttpMethod.Post, "/v1/customers", DocCreate, headers);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(firstBody.ToString(), replayBody.ToString());
    }
}
