using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tests.Deals;
using Tests.Infrastructure;

namespace Tests.Payments;

/// <summary>The embedded API (business time on a fake clock) with Stripe.net pointed at a <see cref="FakeStripe"/> of its own.</summary>
public class PaymentsApi : WebhookApi
{
    public const string WebhookSecret = "whsec_test_PaymentsWebhookSecret0001";
    public const string PlatformKey = "sk_test_PlatformKey000000000001";

    public PaymentsApi()
        : this(FakeStripe.Start(), null)
    {
    }

    protected PaymentsApi(IReadOnlyDictionary<string, string?> settings)
        : this(FakeStripe.Start(), settings)
    {
    }

    private PaymentsApi(FakeStripe stripe, IReadOnlyDictionary<string, string?>? settings)
        : base(new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Stripe:ApiBase"] = stripe.BaseUrl,
            ["Stripe:WebhookSecret"] = WebhookSecret,
            ["Stripe:SecretKey"] = PlatformKey,
        })
    {
        Stripe = stripe;
    }

    public FakeStripe Stripe { get; }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Stripe.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>A tenant whose payment settings carry a Stripe secret key of its own.</summary>
    public async Task<TestTenant> PayingTenantAsync()
    {
        var tenant = await NewTenantAsync();
        var key = "sk_test_" + Guid.NewGuid().ToString("N");
        var (response, body) = await tenant.SendAsync(HttpMethod.Post, "/v1/payments?action=save-settings",
            $$"""{"payment_methods":{"card":true},"stripe_secret_key":"{{key}}"}""");
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return tenant;
    }

    /// <summary>Posts a Stripe event about <paramref name="dataObject"/>, signed now with the endpoint's secret.</summary>
    public Task<(HttpResponseMessage Response, JsonElement Body)> StripeEventAsync(string type, JsonObject dataObject, string? eventId = null,
        string secret = WebhookSecret, TimeSpan? age = null)
    {
        var (payload, signature) = FakeStripe.Signed(type, dataObject, secret, Time.GetUtcNow() - (age ?? TimeSpan.Zero), eventId);
        return PostSignedAsync(payload, signature);
    }

    public async Task<(HttpResponseMessage Response, JsonElement Body)> PostSignedAsync(string payload, string? signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/stripe-webhook") { Content = new StringContent(payload, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
        }
        var response = await CreateClient().SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}

/// <summary>Deals to pay and the payment calls of the tests.</summary>
public static class PaymentCalls
{
    /// <summary>An in_progress deal with one item of <paramref name="price"/> (no tax unless given) in <paramref name="currency"/>.</summary>
    public static async Task<string> DealToPayAsync(this TestTenant tenant, decimal price, string currency = "USD", decimal taxRate = 0m,
        decimal? deposit = null, string? customer = null)
    {
        customer ??= await tenant.CustomerAsync($"{Guid.NewGuid():N}@example.com");
        var product = await tenant.ProductAsync("Pro Plan", price);
        var depositJson = deposit is { } d ? $",\"deposit_required\":{d}" : "";
        var deal = (await tenant.DealAsync(HttpMethod.Post, "/v1/deals",
            $$"""{"customer_id":"{{customer}}","title":"Pro Plan","currency":"{{currency}}","tax_rate":{{taxRate}}{{depositJson}}}""",
            expected: HttpStatusCode.Created)).GetProperty("deal").Str("deal_id");
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=add_item",
            $$"""{"product_id":"{{product}}","name":"Pro Plan","unit_price":{{price}},"quantity":1}""");
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=transition&status=in_progress");
        return deal;
    }

    /// <summary><c>POST /v1/payment-intent</c>; fails the test unless 200; returns <c>data</c>.</summary>
    public static async Task<JsonElement> IntentAsync(this TestTenant tenant, string deal, string? extra = null, string? idempotencyKey = null)
    {
        var headers = idempotencyKey is null ? null : new Dictionary<string, string> { ["Idempotency-Key"] = idempotencyKey };
        var (response, body) = await tenant.Http.SendJsonAsync(HttpMethod.Post, "/v1/payment-intent", $$"""{"deal_id":"{{deal}}"{{extra}}}""", headers);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("data");
    }

    /// <summary>The customer pays the intent and Stripe reports it: <c>payment_intent.succeeded</c>.</summary>
    public static async Task<JsonElement> PaidAsync(this PaymentsApi api, string intentId)
    {
        var (response, body) = await api.StripeEventAsync("payment_intent.succeeded", api.Stripe.Succeed(intentId));
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("data");
    }

    public static async Task<JsonElement> PaymentsAsync(this TestTenant tenant, string deal) =>
        await tenant.DealAsync(HttpMethod.Get, $"/v1/payments?deal_id={deal}");

    public static async Task<string> DealStatusAsync(this TestTenant tenant, string deal) =>
        (await tenant.DealAsync(HttpMethod.Get, $"/v1/deals?id={deal}")).GetProperty("deal").Str("status");

    public static decimal Dec(this JsonElement element, string property) => element.GetProperty(property).GetDecimal();
}
