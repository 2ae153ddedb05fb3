using System.Net;
using System.Text.Json;

namespace Tests.Infrastructure;

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

    /// <summary>Sends a request the API must refuse as a bad request; fails the test unless the answer is 400, returns the body.</summary>
    public async Task<JsonElement> BadRequestAsync(HttpMethod method, string url, string? json = null, string? ifMatch = null)
    {
        var (response, body) = await SendAsync(method, url, json, ifMatch);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return body;
    }
}
