using System.Net;
using System.Text.Json;
using Tests.Infrastructure;

namespace Tests.Deals;

/// <summary>Reading deals as a client shapes them (include, fields, cursors), and the create and sign rules around keys.</summary>
public sealed class DealQueryTests(DealQueryTests.Api api) : IClassFixture<DealQueryTests.Api>
{
    public sealed class Api() : CatalogueApi;

    [Fact]
    public async Task Get_embeds_the_customer_on_request_and_keeps_only_the_asked_fields()
    {
        var tenant = await api.NewTenantAsync();
        var (id, customer, _) = await tenant.DealInProgressAsync();

        var (_, plain) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={id}");
        Assert.False(plain.GetProperty("data").TryGetProperty("customer", out _));
        Assert.False(plain.GetProperty("data").GetProperty("deal").TryGetProperty("customer", out _));

        var (_, included) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={id}&include=customer");
        var embedded = included.GetProperty("data").GetProperty("deal").GetProperty("customer");
        Assert.Equal(customer, embedded.Str("id"));
        Assert.Equal("Jane Smith", embedded.Str("name"));
        Assert.Equal("Acme Corp", embedded.Str("company"));

        var (_, shaped) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={id}&fields=title,status");
        Assert.Equal(["id", "status", "title"], shaped.GetProperty("data").GetProperty("deal").EnumerateObject().Select(p => p.Name).Order());

        var (bad, badBody) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={id}&format=tiny");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("validation_error.invalid_fields", badBody.Code());
    }

    [Fact]
    public async Task Deal_lists_page_by_cursor_newest_first_without_skipping_or_repeating()
    {
        var tenant = await api.NewTenantAsync();
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await tenant.DealAsync(HttpMethod.Post, "/v1/deals", $$"""{"title":"Deal {{i}}"}""", expected: HttpStatusCode.Created))
                .GetProperty("deal").Str("deal_id"));
        }

        var seen = new List<string>();
        var url = "/v1/deals?limit=2";
        for (var page = 0; page < 5; page++)
        {
            var (response, body) = await tenant.SendAsync(HttpMethod.Get, url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var data = body.GetProperty("data");
            seen.AddRange(data.GetProperty("deals").EnumerateArray().Select(d => d.Str("deal_id")));
            var pagination = data.GetProperty("pagination");
            Assert.Equal(5, pagination.GetProperty("total").GetInt32());
            if (!pagination.GetProperty("has_more").GetBoolean())
            {
                break;
            }
            url = $"/v1/deals?limit=2&after={Uri.EscapeDataString(pagination.Str("next_cursor"))}";
        }

        // Newest first; every deal once.
        Assert.Equal(Enumerable.Reverse(created), seen);

        var (forged, forgedBody) = await tenant.SendAsync(HttpMethod.Get, "/v1/deals?after=not-a-cursor");
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal("invalid", forgedBody.FieldCode("after"));
    }

    [Fact]
    public async Task A_create_repeated_with_its_idempotency_key_returns_the_first_deal_and_creates_nothing()
    {
        var tenant = await api.NewTenantAsync();
        var customer = await tenant.CustomerAsync();
        var body = $$"""{"customer_id":"{{customer}}","title":"Enterprise License Deal","currency":"USD","tax_rate":0.10}""";
        var headers = new Dictionary<string, string> { ["Idempotency-Key"] = "create-deal-1" };

        var (first, firstBody) = await tenant.Http.SendJsonAsync(HttpMethod.Post, "/v1/deals", body, headers);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var (again, againBody) = await tenant.Http.SendJsonAsync(HttpMethod.Post, "/v1/deals", body, headers);
        Assert.True(again.IsSuccessStatusCode, $"replay → {(int)again.StatusCode} {againBody}");
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(DealId(firstBody), DealId(againBody));

        var (_, list) = await tenant.SendAsync(HttpMethod.Get, "/v1/deals");
        Assert.Equal(DealId(firstBody), Assert.Single(list.GetProperty("data").GetProperty("deals").EnumerateArray()).Str("deal_id"));
        var (_, log) = await tenant.SendAsync(HttpMethod.Get, "/v1/webhooks/events?event_type=deal.created");
        Assert.Equal(1, log.GetProperty("data").GetProperty("events").GetArrayLength());

        // The same key with another body is a client mistake, not a second deal.
        var (reused, _) = await tenant.Http.SendJsonAsync(HttpMethod.Post, "/v1/deals", body.Replace("Enterprise", "Other", StringComparison.Ordinal), headers);
        Assert.False(reused.IsSuccessStatusCode);
        var (_, after) = await tenant.SendAsync(HttpMethod.Get, "/v1/deals");
        Assert.Equal(1, after.GetProperty("data").GetProperty("deals").GetArrayLength());
    }

    [Fact]
    public async Task Signing_and_unsigning_need_the_deals_sign_scope()
    {
        var tenant = await api.NewTenantAsync();
        var (id, _, _) = await tenant.DealInProgressAsync();
        var writer = api.CreateClient().WithKey(await tenant.KeyAsync(["deals:read", "deals:write"]));

        foreach (var action in new[] { "sign", "unsign" })
        {
            var (refused, refusedBody) = await writer.SendJsonAsync(HttpMethod.Post, $"/v1/deals?id={id}&action={action}", """{"consent_to_sign": true}""");
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("authorization_error.insufficient_scope", refusedBody.Code());
        }
        var (_, unchanged) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={id}");
        Assert.Equal(0, unchanged.GetProperty("data").GetProperty("deal").GetProperty("signatures").GetArrayLength());

        var signer = api.CreateClient().WithKey(await tenant.KeyAsync(["deals:sign"]));
        var (signed, signedBody) = await signer.SendJsonAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=sign", """{"consent_to_sign": true}""");
        Assert.True(signed.StatusCode == HttpStatusCode.OK, $"sign → {(int)signed.StatusCode} {signedBody}");
        Assert.Equal(1, signedBody.GetProperty("data").GetProperty("deal").GetProperty("signatures").GetArrayLength());
    }

    private static string DealId(JsonElement body) => body.GetProperty("data").GetProperty("deal").Str("deal_id");
}
