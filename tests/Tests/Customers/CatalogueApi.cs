using System.Net;
using System.Text.Json;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Tenants;
using Grains.Platform;
using Grains.Tenants;
using Microsoft.Extensions.DependencyInjection;
using Tests.Infrastructure;

namespace Tests.Customers;

/// <summary>
/// The embedded API for customer and product tests. Each test works in a tenant of its own (<see cref="NewTenantAsync"/>),
/// so the document's examples (all with jane@example.com) run as written and lists only hold that test's records.
/// </summary>
public class CatalogueApi : EmbeddedApi
{
    public CatalogueApi()
        : this(null)
    {
    }

    protected CatalogueApi(IReadOnlyDictionary<string, string?>? settings)
        : base(new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { ["Bootstrap:AdminKey"] = AdminKey })
    {
    }

    public const string AdminKey = "sb_live_us_CatalogueTestsAdminKey01";

    public IGrainFactory Grains => Services.GetRequiredService<IGrainFactory>();

    /// <summary>
    /// A new tenant with an admin key of <paramref name="environment"/> (there is no tenant sign-up API yet, so
    /// the tenant and its first key are registered through the tenant grain, as the bootstrap key is). More keys
    /// of the tenant come from <c>POST /v1/keys</c> with this one.
    /// </summary>
    public async Task<TestTenant> NewTenantAsync(string environment = "test")
    {
        var tenantId = ResourceIds.New("ten");
        var tenant = Grains.GetGrain<ITenantGrain>(tenantId);
        await tenant.EnsureCreated("Test tenant " + tenantId);
        var secret = ApiKeySecrets.Generate(environment, "us");
        await tenant.CreateApiKey(ApiKeySecrets.Hash(secret),
            new ApiKeyRegistration(tenantId, "tenant admin", ApiKeySecrets.PrefixOf(secret), ["*"], environment));
        return new TestTenant(this, tenantId, environment, secret);
    }
}

public sealed record TestTenant(CatalogueApi Api, string TenantId, string Environment, string Key)
{
    public string Partition => $"{TenantId}:{Environment}";

    public HttpClient Http => Api.CreateClient().WithKey(Key);

    /// <summary>Another key of this tenant, made through <c>POST /v1/keys</c>.</summary>
    public Task<string> KeyAsync(string[] scopes, string? environment = null) =>
        Http.CreateKeyAsync("test key", scopes, environment ?? Environment);

    public Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(HttpMethod method, string url, string? json = null,
        string? ifMatch = null)
    {
        var headers = new Dictionary<string, string>();
        if (ifMatch is not null)
        {
            headers["If-Match"] = ifMatch;
        }
        return Http.SendJsonAsync(method, url, json, headers);
    }

    /// <summary>POSTs and returns <c>data.&lt;resource&gt;</c>; fails the test unless the answer is 201.</summary>
    public async Task<JsonElement> CreateAsync(string resource, string json)
    {
        var (response, body) = await SendAsync(HttpMethod.Post, $"/v1/{resource}s", json);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST /v1/{resource}s → {(int)response.StatusCode} {body}");
        return body.GetProperty("data").GetProperty(resource);
    }
}

public static class ResponseAssertions
{
    public static string ETag(this HttpResponseMessage response) => response.Headers.ETag?.ToString() ?? "(none)";

    /// <summary><c>details.fields.&lt;field&gt;.code</c> of a 400 <c>validation_error.invalid_fields</c>.</summary>
    public static string FieldCode(this JsonElement body, string field)
    {
        Assert.Equal("validation_error.invalid_fields", body.Code());
        Assert.True(body.GetProperty("details").GetProperty("fields").TryGetProperty(field, out var error),
            $"details.fields has no '{field}': {body}");
        return error.GetProperty("code").GetString()!;
    }

    public static string Str(this JsonElement element, string property) => element.GetProperty(property).GetString()!;
}
