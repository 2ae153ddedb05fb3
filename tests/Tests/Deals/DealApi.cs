using System.Net;
using System.Text.Json;
using Tests.Infrastructure;

namespace Tests.Deals;

/// <summary>Creating what deals need (a customer, products) and reading deal answers, as a client would.</summary>
public static class DealCalls
{
    public static async Task<string> CustomerAsync(this TestTenant tenant, string email = "jane@example.com") =>
        (await tenant.CreateAsync("customer", $$"""{"name":"Jane Smith","email":"{{email}}","company":"Acme Corp"}""")).Str("id");

    public static async Task<string> ProductAsync(this TestTenant tenant, string name = "Professional Plan", decimal price = 99.00m) =>
        (await tenant.CreateAsync("product", $$"""{"name":"{{name}}","price":{{price}},"type":"service"}""")).Str("id");

    /// <summary>POST/PATCH/DELETE on a deal; fails the test unless the status is <paramref name="expected"/>; returns <c>data</c>.</summary>
    public static async Task<JsonElement> DealAsync(this TestTenant tenant, HttpMethod method, string url, string? json = null,
        string? ifMatch = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var (response, body) = await tenant.SendAsync(method, url, json, ifMatch);
        Assert.True(response.StatusCode == expected, $"{method} {url} → {(int)response.StatusCode} {body}");
        return body.ValueKind == JsonValueKind.Object && body.TryGetProperty("data", out var data) ? data : body;
    }

    /// <summary>A deal for a new customer with one 99.00 item at 10% tax, moved to in_progress.</summary>
    public static async Task<(string DealId, string CustomerId, string ProductId)> DealInProgressAsync(this TestTenant tenant)
    {
        var customer = await tenant.CustomerAsync($"{Guid.NewGuid():N}@example.com");
        var product = await tenant.ProductAsync();
        var deal = (await tenant.DealAsync(HttpMethod.Post, "/v1/deals",
            $$"""{"customer_id":"{{customer}}","title":"Enterprise License Deal","currency":"USD","tax_rate":0.10}""",
            expected: HttpStatusCode.Created)).GetProperty("deal").Str("deal_id");
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=add_item",
            $$"""{"product_id":"{{product}}","name":"Professional Plan","unit_price":99.00,"quantity":1}""");
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=transition&status=in_progress");
        return (deal, customer, product);
    }

    public static string Amount(this JsonElement money) => money.GetProperty("amount").GetString()!;
}
