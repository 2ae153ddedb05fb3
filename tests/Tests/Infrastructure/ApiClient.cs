using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Tests.Infrastructure;

/// <summary>Small helpers for calling the API as a client would and reading its envelope.</summary>
public static class ApiClient
{
    public static HttpClient WithKey(this HttpClient http, string key)
    {
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    public static async Task<(HttpResponseMessage Response, JsonElement Body)> SendJsonAsync(
        this HttpClient http, HttpMethod method, string url, string? json = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        // A file (deal export: CSV, JSON lines) is not parsed: its body is left default.
        var file = response.Content.Headers.ContentType?.MediaType is "text/csv" or "application/x-ndjson";
        var body = text.Length == 0 || file ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response, body);
    }

    /// <summary>Creates a key through POST /v1/keys with an admin key and returns its secret.</summary>
    public static async Task<string> CreateKeyAsync(this HttpClient admin, string name, string[] scopes, string? environment = null,
        string[]? allowedOrigins = null)
    {
        var body = new Dictionary<string, object?> { ["name"] = name, ["scopes"] = scopes };
        if (environment is not null) body["environment"] = environment;
        if (allowedOrigins is not null) body["allowed_origins"] = allowedOrigins;
        var response = await admin.PostAsJsonAsync("/v1/keys", body);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"key creation failed: {json}");
        }
        return json.GetProperty("data").GetProperty("secret").GetString()!;
    }

    public static string Code(this JsonElement body) => body.GetProperty("code").GetString()!;
}
