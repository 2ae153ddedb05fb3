using System.Net;
using Tests.Infrastructure;

namespace Tests.Webhooks;

/// <summary>The document's webhook management calls, as written, and what the API refuses.</summary>
public sealed class WebhookApiTests(WebhookApiTests.Api api) : IClassFixture<WebhookApiTests.Api>
{
    public sealed class Api() : WebhookApi;

    [Fact]
    public async Task The_documents_register_update_and_delete_examples_work_as_written()
    {
        var tenant = await api.NewTenantAsync();
        var (created, body) = await tenant.SendAsync(HttpMethod.Post, "/v1/webhooks", """
            {
            "url": "https://myapp.com/webhooks/salesbooth",
            "events": ["deal.created"]
            }
            """);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var webhook = body.GetProperty("data").GetProperty("webhook");
        var id = webhook.Str("webhook_id");
        Assert.Matches("^wh_[0-9a-f]{24}$", id);
        Assert.Matches("^whsec_[A-Za-z0-9+/=]{40,}$", webhook.Str("secret"));
        Assert.Equal("active", webhook.Str("status"));
        Assert.Equal("salesbooth", webhook.Str("signature_scheme"));
        Assert.Equal(8, webhook.GetProperty("max_in_flight").GetInt32());

        var (_, list) = await tenant.SendAsync(HttpMethod.Get, "/v1/webhooks");
        var listed = Assert.Single(list.GetProperty("data").GetProperty("webhooks").EnumerateArray());
        Assert.Equal(id, listed.Str("webhook_id"));
        Assert.StartsWith("whsec_****", listed.Str("secret"));

        var (patched, patchBody) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/webhooks?id={id}", """
            {
            "status": "paused",
            "events": ["deal.created", "deal.closed", "payment.received"]
            }
            """);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var updated = patchBody.GetProperty("data").GetProperty("webhook");
        Assert.Equal("paused", updated.Str("status"));
        Assert.Equal(3, updated.GetProperty("events").GetArrayLength());
        Assert.Equal("W/\"2\"", patched.ETag());

        // A stale If-Match is refused with the current webhook in data.
        var (stale, staleBody) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/webhooks?id={id}", """{"description":"x"}""", ifMatch: "W/\"1\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal("conflict.stale_version", staleBody.Code());

        var (deleted, _) = await tenant.SendAsync(HttpMethod.Delete, $"/v1/webhooks?id={id}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        var (gone, _) = await tenant.SendAsync(HttpMethod.Get, $"/v1/webhooks?id={id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Theory]
    [InlineData("""{"events":["deal.created"]}""", "url", "required")]
    [InlineData("""{"url":"not a url","events":["deal.created"]}""", "url", "invalid")]
    [InlineData("""{"url":"https://myapp.com/h"}""", "events", "required")]
    [InlineData("""{"url":"https://myapp.com/h","events":[]}""", "events", "required")]
    [InlineData("""{"url":"https://myapp.com/h","events":["deal.create"]}""", "events", "unknown_event")]
    [InlineData("""{"url":"https://myapp.com/h","events":["nothing.*"]}""", "events", "unknown_event")]
    [InlineData("""{"url":"https://myapp.com/h","events":["*"],"signature_scheme":"hmac"}""", "signature_scheme", "invalid")]
    [InlineData("""{"url":"https://myapp.com/h","events":["*"],"retry_policy":{"max_attempts":0,"backoff_ms":1000}}""", "retry_policy.max_attempts", "out_of_range")]
    [InlineData("""{"url":"https://myapp.com/h","events":["*"],"retry_policy":{"max_attempts":3}}""", "retry_policy.backoff_ms", "required")]
    [InlineData("""{"url":"https://myapp.com/h","events":["*"],"max_in_flight":100}""", "max_in_flight", "out_of_range")]
    public async Task Invalid_registrations_are_400_naming_the_field(string json, string field, string code)
    {
        var tenant = await api.NewTenantAsync();
        var body = await tenant.BadRequestAsync(HttpMethod.Post, "/v1/webhooks", json);
        Assert.Equal(code, body.FieldCode(field));
        var (_, list) = await tenant.SendAsync(HttpMethod.Get, "/v1/webhooks");
        Assert.Equal(0, list.GetProperty("data").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_description_over_255_characters_and_a_settable_status_of_disabled_are_refused()
    {
        var tenant = await api.NewTenantAsync();
        var (tooLong, body) = await tenant.SendAsync(HttpMethod.Post, "/v1/webhooks",
            $$"""{"url":"https://myapp.com/h","events":["*"],"description":"{{new string('d', 256)}}"}""");
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal("description", body.GetProperty("details").GetProperty("fields").EnumerateObject().Single().Name);

        var (id, _) = await tenant.RegisterAsync("https://myapp.com/h", """["deal.*"]""");
        var (disabled, disabledBody) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/webhooks/{id}", """{"status":"disabled"}""");
        Assert.Equal(HttpStatusCode.BadRequest, disabled.StatusCode);
        Assert.Equal("invalid", disabledBody.FieldCode("status"));
    }

    [Fact]
    public async Task Webhooks_and_their_deliveries_are_invisible_to_other_tenants()
    {
        var owner = await api.NewTenantAsync();
        var other = await api.NewTenantAsync();
        var (id, _) = await owner.RegisterAsync("https://myapp.com/h");
        foreach (var url in new[] { $"/v1/webhooks?id={id}", $"/v1/webhooks/deliveries?id={id}" })
        {
            var (response, _) = await other.SendAsync(HttpMethod.Get, url);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        var (patch, _) = await other.SendAsync(HttpMethod.Patch, $"/v1/webhooks?id={id}", """{"status":"paused"}""");
        Assert.Equal(HttpStatusCode.NotFound, patch.StatusCode);
        var (_, list) = await other.SendAsync(HttpMethod.Get, "/v1/webhooks");
        Assert.Equal(0, list.GetProperty("data").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_read_only_key_lists_but_cannot_register()
    {
        var tenant = await api.NewTenantAsync();
        var key = await tenant.KeyAsync(["webhooks:read"]);
        var http = api.CreateClient().WithKey(key);
        var (list, _) = await http.SendJsonAsync(HttpMethod.Get, "/v1/webhooks");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var (create, body) = await http.SendJsonAsync(HttpMethod.Post, "/v1/webhooks", """{"url":"https://myapp.com/h","events":["*"]}""");
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        Assert.Equal("authorization_error.insufficient_scope", body.Code());
    }
}
