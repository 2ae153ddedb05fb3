using System.Net;
using ApiHost.Auth;
using Tests.Infrastructure;

namespace Tests.Api;

/// <summary>Every scoped endpoint × a key that lacks its scope → 403 naming the scope; never the handler.</summary>
public sealed class ScopeMatrixTests(ScopeMatrixTests.Api api) : IClassFixture<ScopeMatrixTests.Api>
{
    public const string AdminKey = "sb_live_us_ScopeMatrixAdminKey0001";

    public sealed class Api() : EmbeddedApi(new Dictionary<string, string?> { ["Bootstrap:AdminKey"] = AdminKey });

    [Fact]
    public async Task Every_endpoint_refuses_a_key_without_its_scope()
    {
        var admin = api.CreateClient().WithKey(AdminKey);
        var endpoints = ApiEndpoints.Scoped(api);
        Assert.NotEmpty(endpoints);
        var keysByScope = new Dictionary<string, string>();
        var failures = new List<string>();

        foreach (var endpoint in endpoints)
        {
            if (!keysByScope.TryGetValue(endpoint.Scope, out var key))
            {
                // Every documented scope except the ones that would satisfy this endpoint.
                var others = Scopes.All.Where(s => !Scopes.Allows([s], endpoint.Scope)).ToArray();
                key = keysByScope[endpoint.Scope] = await admin.CreateKeyAsync($"lacks {endpoint.Scope}", others);
            }
            var (response, body) = await api.CreateClient().WithKey(key)
                .SendJsonAsync(new HttpMethod(endpoint.Method), endpoint.Url(), endpoint.Method is "POST" or "PATCH" ? "{}" : null);
            if (response.StatusCode != HttpStatusCode.Forbidden || body.Code() != "authorization_error.insufficient_scope" ||
                body.GetProperty("details").GetProperty("required_scope").GetString() != endpoint.Scope)
            {
                failures.Add($"{endpoint}: {(int)response.StatusCode} {body}");
            }
        }
        Assert.Empty(failures);
    }

    [Fact]
    public async Task Every_endpoint_refuses_a_missing_key_with_401()
    {
        var failures = new List<string>();
        foreach (var endpoint in ApiEndpoints.Scoped(api))
        {
            var (response, body) = await api.CreateClient().SendJsonAsync(new HttpMethod(endpoint.Method), endpoint.Url());
            if (response.StatusCode != HttpStatusCode.Unauthorized || body.Code() != "authentication_error.invalid_credentials")
            {
                failures.Add($"{endpoint}: {(int)response.StatusCode}");
            }
        }
        Assert.Empty(failures);
    }
}
