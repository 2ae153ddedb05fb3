using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Tests.Infrastructure;

namespace Tests.Webhooks;

/// <summary>Registering endpoints and reading deliveries through the API, as a client would.</summary>
public static class WebhookCalls
{
    public static async Task<(string Id, string Secret)> RegisterAsync(this TestTenant tenant, string url, string events = "[\"*\"]",
        string extra = "")
    {
        var (response, body) = await tenant.SendAsync(HttpMethod.Post, "/v1/webhooks",
            $$"""{"url":"{{url}}","events":{{events}}{{extra}}}""");
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST /v1/webhooks → {(int)response.StatusCode} {body}");
        var webhook = body.GetProperty("data").GetProperty("webhook");
        return (webhook.Str("webhook_id"), webhook.Str("secret"));
    }

    /// <summary>A customer whose <c>company</c> is <paramref name="name"/> too: events carry the company, never PII.</summary>
    public static async Task<string> NewCustomerAsync(this TestTenant tenant, string name = "Jane Smith")
    {
        var customer = await tenant.CreateAsync("customer", $$"""{"name":"{{name}}","company":"{{name}}","email":"{{Guid.NewGuid():N}}@example.com"}""");
        return customer.Str("id");
    }

    public static async Task<JsonElement[]> DeliveriesAsync(this TestTenant tenant, string webhookId, string query = "")
    {
        var (response, body) = await tenant.SendAsync(HttpMethod.Get, $"/v1/webhooks/deliveries?id={webhookId}&limit=100{query}");
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return [.. body.GetProperty("data").GetProperty("deliveries").EnumerateArray()];
    }

    /// <summary>The document's algorithm, written from its text: v1= hex HMAC-SHA256(secret, "{timestamp}.{body}"), ≤ 300 s old.</summary>
    public static bool VerifySalesbooth(ReceivedWebhook delivery, string secret, DateTimeOffset now)
    {
        var timestamp = delivery.Header("X-Salesbooth-Timestamp");
        if (!long.TryParse(timestamp, out var seconds) || now.ToUnixTimeSeconds() - seconds > 300)
        {
            return false;
        }
        var signed = Encoding.UTF8.GetBytes(timestamp + ".").Concat(delivery.Body).ToArray();
        var expected = "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(delivery.Header("X-Salesbooth-Signature")));
    }
}
