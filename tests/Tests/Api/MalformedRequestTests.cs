using System.Net;
using System.Text.Json;
using Tests.Infrastructure;

namespace Tests.Api;

/// <summary>
/// A client's mistake is never a 500: generated malformed requests against every endpoint (bad JSON,
/// wrong types, huge strings, unicode, negative numbers, unknown ids, wrong methods) all answer
/// below 500 and in the error envelope.
/// </summary>
public sealed class MalformedRequestTests(MalformedRequestTests.Api api) : IClassFixture<MalformedRequestTests.Api>
{
    public const string AdminKey = "sb_live_us_MalformedAdminKey000001";

    public sealed class Api() : EmbeddedApi(new Dictionary<string, string?> { ["Bootstrap:AdminKey"] = AdminKey });

    private static readonly string[] Fields =
    [
        "name", "email", "phone", "company", "status", "price", "type", "price_type", "billing_cycle", "tax_rate", "metadata",
        "scopes", "environment", "expires_at", "allowed_origins", "description", "sku", "currency", "quantity", "title",
        "customer_id", "product_id", "stock_quantity", "session_duration", "features", "configuration_schema", "country",
    ];

    private static readonly object?[] Values =
    [
        null, true, -1, -999999999999.99m, 0, 1e308, "", " ", new string('x', 300), new string('y', 20_000), "ünïcødé 🚀 \u202e",
        "\u0000", "not-an-email", "+1", "ZZZ", new[] { 1, 2 }, new Dictionary<string, object> { ["a"] = new Dictionary<string, object> { ["b"] = new Dictionary<string, object> { ["c"] = new Dictionary<string, object> { ["d"] = 1 } } } },
        "2026-13-45", "<script>alert(1)</script>", "'; DROP TABLE x; --", long.MaxValue, "NaN",
    ];

    private static readonly string[] BrokenBodies =
    [
        "{", "[", "null", "42", "\"text\"", "{\"name\":}", "{'name':'x'}", "{\"a\":1,}", "\u0000\u0001", "{\"name\":\"\\ud800\"}",
        new string('[', 5000) + new string(']', 5000), "{\"metadata\":" + new string('{', 100) + new string('}', 100) + "}",
    ];

    [Fact]
    public async Task A_thousand_generated_malformed_requests_never_get_a_5xx_and_always_get_the_envelope()
    {
        var random = new Random(20261123);
        var http = api.CreateClient().WithKey(AdminKey);
        var endpoints = ApiEndpoints.Scoped(api);
        var methods = new[] { "GET", "POST", "PATCH", "DELETE", "PUT" };
        var failures = new List<string>();
        var sent = 0;

        while (sent < 1200)
        {
            var endpoint = endpoints[random.Next(endpoints.Count)];
            var method = random.Next(8) == 0 ? methods[random.Next(methods.Length)] : endpoint.Method;
            var id = random.Next(4) switch { 0 => "cust_does_not_exist", 1 => "../../etc", 2 => "%00", _ => new string('z', 300) };
            var url = endpoint.Url(Uri.EscapeDataString(id));
            if (random.Next(3) == 0)
            {
                url += (url.Contains('?') ? "&" : "?") + $"id={Uri.EscapeDataString(id)}&limit={random.Next(-5, 500)}&offset=-1&after=%%%&sort=nope";
            }
            var body = random.Next(3) == 0 ? BrokenBodies[random.Next(BrokenBodies.Length)] : RandomObject(random);
            var headers = new Dictionary<string, string>();
            if (random.Next(4) == 0)
            {
                headers["If-Match"] = random.Next(2) == 0 ? "W/\"abc\"" : "-5";
            }

            var (response, json) = await SendRaw(http, method, url, body, headers);
            sent++;
            var file = response.IsSuccessStatusCode && response.Content.Headers.ContentType?.MediaType is "text/csv" or "application/x-ndjson";
            if ((int)response.StatusCode >= 500 || !file && (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("error", out _)))
            {
                failures.Add($"{method} {url} {body[..Math.Min(body.Length, 80)]} → {(int)response.StatusCode} {json}");
            }
        }

        Assert.True(sent >= 1000);
        Assert.Empty(failures);
    }

    private static string RandomObject(Random random)
    {
        var obj = new Dictionary<string, object?>();
        for (var i = random.Next(1, 6); i > 0; i--)
        {
            obj[Fields[random.Next(Fields.Length)]] = Values[random.Next(Values.Length)];
        }
        return JsonSerializer.Serialize(obj);
    }

    private static async Task<(HttpResponseMessage, JsonElement)> SendRaw(HttpClient http, string method, string url, string body,
        Dictionary<string, string> headers)
    {
        try
        {
            return await http.SendJsonAsync(new HttpMethod(method), url, method is "GET" or "DELETE" && body.Length > 0 && body[0] != '{' ? null : body, headers);
        }
        catch (JsonException)
        {
            // A non-JSON body from the server is itself a failure: report it through the envelope check.
            return (new HttpResponseMessage(HttpStatusCode.InternalServerError), default);
        }
    }
}
