using System.Net;
using Tests.Infrastructure;

namespace Tests.Api;

/// <summary>Keys, scopes, key management and the error envelope through the real HTTP pipeline.</summary>
public sealed class AuthenticationTests(AuthenticationTests.Api api) : IClassFixture<AuthenticationTests.Api>
{
    public const string AdminKey = "sb_live_us_AuthTestsAdminKey000001";

    public sealed class Api() : EmbeddedApi(new Dictionary<string, string?> { ["Bootstrap:AdminKey"] = AdminKey });

    private HttpClient Admin => api.CreateClient().WithKey(AdminKey);

    [Fact]
    public async Task Missing_key_is_401_in_the_envelope_with_a_request_ref()
    {
        var (response, body) = await api.CreateClient().SendJsonAsync(HttpMethod.Get, "/v1/keys");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.True(body.GetProperty("error").GetBoolean());
        Assert.Equal("authentication_error.invalid_credentials", body.Code());
        Assert.Equal("authentication_error", body.GetProperty("category").GetString());
        Assert.False(body.GetProperty("recovery").GetProperty("retryable").GetBoolean());
        Assert.Equal(response.Headers.GetValues("X-Request-Id").Single(), body.GetProperty("ref").GetString());
    }

    [Theory]
    [InlineData("Authorization", "Bearer sb_live_us_NoSuchKeyNoSuchKey0001")]
    [InlineData("X-API-Key", "sb_live_us_NoSuchKeyNoSuchKey0001")]
    [InlineData("Authorization", "Bearer not-a-key")]
    public async Task Unknown_or_malformed_keys_are_401(string header, string value)
    {
        var (response, body) = await api.CreateClient().SendJsonAsync(HttpMethod.Get, "/v1/keys", headers: new Dictionary<string, string> { [header] = value });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("authentication_error.invalid_credentials", body.Code());
    }

    [Fact]
    public async Task X_API_Key_header_and_both_prefixes_work()
    {
        var http = api.CreateClient();
        var headers = new Dictionary<string, string> { ["X-API-Key"] = AdminKey };
        var (v1, _) = await http.SendJsonAsync(HttpMethod.Get, "/v1/keys", headers: headers);
        var (apiV1, body) = await http.SendJsonAsync(HttpMethod.Get, "/api/v1/keys", headers: headers);

        Assert.Equal(HttpStatusCode.OK, v1.StatusCode);
        Assert.Equal(HttpStatusCode.OK, apiV1.StatusCode);
        Assert.True(body.GetProperty("success").GetBoolean());
        Assert.False(body.GetProperty("error").GetBoolean());
    }

    [Fact]
    public async Task A_created_key_shows_its_secret_once_and_is_listed_masked()
    {
        var admin = Admin;
        var (created, body) = await admin.SendJsonAsync(HttpMethod.Post, "/v1/keys", """{"name":"reporting","scopes":["customers:read"]}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var secret = body.GetProperty("data").GetProperty("secret").GetString()!;
        var id = body.GetProperty("data").GetProperty("id").GetString()!;
        Assert.StartsWith("sb_live_us_", secret);

        var (_, list) = await admin.SendJsonAsync(HttpMethod.Get, "/v1/keys");
        var listed = list.GetProperty("data").EnumerateArray().Single(k => k.GetProperty("id").GetString() == id);
        Assert.Equal("sb_live_us_", listed.GetProperty("prefix").GetString());
        Assert.DoesNotContain(secret, list.ToString());
        Assert.Equal(["customers:read"], listed.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public async Task A_key_without_the_admin_scope_gets_403_naming_the_scope()
    {
        var reader = await Admin.CreateKeyAsync("reader", ["*:read"]);
        var (response, body) = await api.CreateClient().WithKey(reader).SendJsonAsync(HttpMethod.Get, "/v1/keys");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("authorization_error.insufficient_scope", body.Code());
        Assert.Equal("admin", body.GetProperty("details").GetProperty("required_scope").GetString());
    }

    [Fact]
    public async Task A_revoked_key_gets_401_at_once()
    {
        var admin = Admin;
        var (_, created) = await admin.SendJsonAsync(HttpMethod.Post, "/v1/keys", """{"name":"temp","scopes":["admin"]}""");
        var secret = created.GetProperty("data").GetProperty("secret").GetString()!;
        var id = created.GetProperty("data").GetProperty("id").GetString()!;
        var temp = api.CreateClient().WithKey(secret);
        Assert.Equal(HttpStatusCode.OK, (await temp.SendJsonAsync(HttpMethod.Get, "/v1/keys")).Response.StatusCode);

        var (revoke, _) = await admin.SendJsonAsync(HttpMethod.Delete, $"/v1/keys?id={id}");
        var (after, body) = await temp.SendJsonAsync(HttpMethod.Get, "/v1/keys");

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains("revoked", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task An_expiry_in_the_past_is_refused()
    {
        var admin = Admin;
        var (created, body) = await admin.SendJsonAsync(HttpMethod.Post, "/v1/keys",
            """{"name":"short","scopes":["admin"],"expires_at":"2020-01-01T00:00:00Z"}""");
        Assert.Equal(HttpStatusCode.BadRequest, created.StatusCode);
        Assert.Equal("invalid", body.GetProperty("details").GetProperty("fields").GetProperty("expires_at").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Allowed_origins_are_enforced()
    {
        var key = await Admin.CreateKeyAsync("browser", ["admin"], allowedOrigins: ["https://shop.example.com"]);
        var http = api.CreateClient().WithKey(key);

        var (allowed, _) = await http.SendJsonAsync(HttpMethod.Get, "/v1/keys", headers: new Dictionary<string, string> { ["Origin"] = "https://shop.example.com" });
        var (denied, body) = await http.SendJsonAsync(HttpMethod.Get, "/v1/keys", headers: new Dictionary<string, string> { ["Origin"] = "https://evil.example.com" });

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal("authorization_error.cors_origin_denied", body.Code());
    }

    [Fact]
    public async Task Secret_keys_in_the_query_string_are_deprecated_but_accepted()
    {
        var (response, _) = await api.CreateClient().SendJsonAsync(HttpMethod.Get, $"/v1/keys?api_key={AdminKey}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("true", response.Headers.GetValues("Deprecation").Single());
    }

    [Fact]
    public async Task Publishable_keys_carry_the_fixed_widget_scopes()
    {
        var (_, body) = await Admin.SendJsonAsync(HttpMethod.Post, "/v1/keys", """{"name":"widget","type":"publishable","scopes":["*"]}""");
        var data = body.GetProperty("data");
        Assert.StartsWith("sb_pub_us_", data.GetProperty("secret").GetString());
        Assert.Equal(["products:read", "customers:write", "deals:write", "agent:negotiate"],
            data.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));

        var (response, error) = await api.CreateClient().SendJsonAsync(HttpMethod.Get, $"/v1/keys?api_key={data.GetProperty("secret").GetString()}");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("authorization_error.insufficient_scope", error.Code());
    }

    [Fact]
    public async Task A_test_key_cannot_create_live_keys_and_sees_only_test_keys()
    {
        var testAdmin = await Admin.CreateKeyAsync("sandbox admin", ["*"], environment: "test");
        var http = api.CreateClient().WithKey(testAdmin);

        var (live, body) = await http.SendJsonAsync(HttpMethod.Post, "/v1/keys", """{"name":"x","environment":"live"}""");
        var (_, list) = await http.SendJsonAsync(HttpMethod.Get, "/v1/keys");

        Assert.Equal(HttpStatusCode.Forbidden, live.StatusCode);
        Assert.All(list.GetProperty("data").EnumerateArray(), k => Assert.Equal("test", k.GetProperty("environment").GetString()));
    }

    [Fact]
    public async Task Unknown_routes_wrong_methods_and_bad_bodies_answer_in_the_envelope()
    {
        var admin = Admin;
        var (notFound, nf) = await admin.SendJsonAsync(HttpMethod.Get, "/v1/does-not-exist");
        var (wrongMethod, wm) = await admin.SendJsonAsync(HttpMethod.Put, "/v1/keys");
        var (malformed, mf) = await admin.SendJsonAsync(HttpMethod.Post, "/v1/keys", "{\"name\":");
        var (notObject, no) = await admin.SendJsonAsync(HttpMethod.Post, "/v1/keys", "[1,2]");
        var (missing, mi) = await admin.SendJsonAsync(HttpMethod.Post, "/v1/keys", "{}");

        Assert.Equal((HttpStatusCode.NotFound, "not_found"), (notFound.StatusCode, nf.Code()));
        Assert.Equal((HttpStatusCode.MethodNotAllowed, "method_not_allowed"), (wrongMethod.StatusCode, wm.Code()));
        Assert.Contains("POST", wrongMethod.Content.Headers.Allow);
        Assert.Equal((HttpStatusCode.BadRequest, "validation_error.bad_request"), (malformed.StatusCode, mf.Code()));
        Assert.Equal((HttpStatusCode.BadRequest, "validation_error.bad_request"), (notObject.StatusCode, no.Code()));
        Assert.Equal((HttpStatusCode.BadRequest, "validation_error.invalid_fields"), (missing.StatusCode, mi.Code()));
        Assert.Equal("required", mi.GetProperty("details").GetProperty("fields").GetProperty("name").GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_body_over_one_megabyte_is_413()
    {
        var big = "{\"name\":\"" + new string('a', 1_100_000) + "\"}";
        var (response, body) = await Admin.SendJsonAsync(HttpMethod.Post, "/v1/keys", big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("validation_error.body_too_large", body.Code());
    }
}
