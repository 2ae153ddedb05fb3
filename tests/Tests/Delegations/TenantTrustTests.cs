using System.Net;
using System.Text.Json;
using Grains.Interfaces.AgentTrust;
using Tests.Deals;
using Tests.Infrastructure;

namespace Tests.Delegations;

/// <summary>
/// Tenant trust (§Trust Levels): <c>GET /v1/trust</c> and <c>?action=history</c> run as written, the score from the
/// partition's ended deals and the tenant's age, promotion and demotion with their events.
/// </summary>
public sealed class TenantTrustTests(TenantTrustTests.Api api) : IClassFixture<TenantTrustTests.Api>
{
    public sealed class Api() : WebhookApi;

    private async Task<JsonElement> RunAsync(TestTenant tenant, string curl)
    {
        var (response, body) = await DocCurl.RunAsync(api.CreateClient(), tenant.Key, curl, new Dictionary<string, string>());
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{DocCurl.Parse(curl).Url} → {(int)response.StatusCode} {body}");
        return body.GetProperty("data");
    }

    [Fact]
    public async Task The_tenants_level_follows_its_closed_and_failed_deals_and_age_both_ways_with_its_history()
    {
        var tenant = await api.NewTenantAsync();
        var fresh = await RunAsync(tenant, DelegationDocSnippets.TenantTrust);
        Assert.Equal("new", fresh.Str("level"));
        Assert.Equal(0, fresh.GetProperty("score").GetInt32());
        Assert.Equal(1000m, fresh.GetProperty("auto_topup_ceiling").GetDecimal());
        Assert.Equal("established", fresh.Str("next_level"));
        Assert.Equal(50, fresh.GetProperty("next_level_score").GetInt32());
        Assert.Empty((await RunAsync(tenant, DelegationDocSnippets.TenantTrustHistory)).GetProperty("history").EnumerateArray());

        // Half a year old (30 points) with one closed deal (1 + 20 for reliability): 51, established.
        api.Time.Advance(TimeSpan.FromDays(180));
        await ClosedDealAsync(tenant);
        var established = await RunAsync(tenant, DelegationDocSnippets.TenantTrust);
        Assert.Equal(51, established.GetProperty("score").GetInt32());
        Assert.Equal("established", established.Str("level"));
        Assert.Equal(10000m, established.GetProperty("auto_topup_ceiling").GetDecimal());
        Assert.Equal("premium", established.Str("next_level"));
        Assert.Equal(90, established.GetProperty("next_level_score").GetInt32());
        Assert.Equal(1, established.GetProperty("statistics").GetProperty("deals_closed").GetInt32());

        // A cancelled deal halves the reliability: 1 + 30 + 10 = 41, back to new.
        var customer = await tenant.CustomerAsync("buyer2@example.com");
        var cancelled = (await tenant.DealAsync(HttpMethod.Post, "/v1/deals", $$"""{"customer_id":"{{customer}}","title":"Lost","currency":"USD"}""",
            expected: HttpStatusCode.Created)).GetProperty("deal").Str("deal_id");
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={cancelled}&action=transition&status=cancelled");
        var demoted = await RunAsync(tenant, DelegationDocSnippets.TenantTrust);
        Assert.Equal(41, demoted.GetProperty("score").GetInt32());
        Assert.Equal("new", demoted.Str("level"));

        var history = (await RunAsync(tenant, DelegationDocSnippets.TenantTrustHistory)).GetProperty("history");
        Assert.Equal(["established→new", "new→established"],
            history.EnumerateArray().Select(h => $"{h.Str("from_level")}→{h.Str("to_level")}"));
        Assert.Equal(["new→established", "established→new"], (await tenant.EventsAsync("tenant.trust_level_changed"))
            .Select(e => $"{e.GetProperty("data").Str("previous_level")}→{e.GetProperty("data").Str("new_level")}"));
        Assert.Single(await tenant.EventsAsync("tenant.trust_promoted"));
        Assert.Single(await tenant.EventsAsync("trust.demoted"));
        // Reading again with nothing changed writes nothing new.
        await RunAsync(tenant, DelegationDocSnippets.TenantTrust);
        Assert.Equal(2, (await tenant.EventsAsync("tenant.trust_level_changed")).Count);
    }

    [Theory]
    [InlineData(0, 0, 0, 0, 0)]
    [InlineData(1, 0, 0, 0, 21)]
    [InlineData(1, 1, 0, 180, 41)]
    [InlineData(60, 0, 0, 400, 100)]
    [InlineData(40, 5, 5, 95, 71)]
    public void The_tenant_score_is_closed_deals_age_and_reliability(int closed, int cancelled, int expired, int ageDays, int score) =>
        Assert.Equal(score, TenantTrustLevels.Score(closed, cancelled, expired, ageDays));

    /// <summary>A deal the merchant takes to closed: signed by both, paid through an escrow, released.</summary>
    private static async Task ClosedDealAsync(TestTenant tenant)
    {
        var customer = await tenant.CustomerAsync("buyer@example.com");
        var product = await tenant.ProductAsync("Seat", 99m);
        var deal = (await tenant.DealAsync(HttpMethod.Post, "/v1/deals?action=create-configured", $$"""
            {"customer_id":"{{customer}}","items":[{"product_id":"{{product}}","name":"Seat","unit_price":99,"quantity":1}]}
            """, expected: HttpStatusCode.Created)).GetProperty("deal").Str("deal_id");
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=transition&status=in_progress");
        await tenant.SignBothAsync(deal, customer);
        var escrow = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=escrow",
            """{"conditions":[{"type":"delivery"}]}""", expected: HttpStatusCode.Created);
        var condition = escrow.GetProperty("escrow").GetProperty("conditions")[0].Str("id");
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=fulfill_condition", $$"""{"condition_id":"{{condition}}"}""");
        Assert.Equal("closed", (await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=release_escrow")).GetProperty("deal").Str("status"));
    }
}
