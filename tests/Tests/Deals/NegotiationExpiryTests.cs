using System.Net;
using Tests.Customers;
using Tests.Infrastructure;

namespace Tests.Deals;

/// <summary>A round's expires_at is the deal's reminder: unanswered, the negotiation expires once and ends.</summary>
public sealed class NegotiationExpiryTests(NegotiationExpiryTests.Api api) : IClassFixture<NegotiationExpiryTests.Api>
{
    public sealed class Api() : WebhookApi;

    [Fact]
    public async Task An_unanswered_round_expires_at_its_expires_at_once_and_ends_the_negotiation()
    {
        var tenant = await api.NewTenantAsync();
        var agent = api.CreateClient().WithKey(await tenant.KeyAsync(["agent:negotiate", "deals:read"]));
        var (deal, _, _) = await tenant.DealInProgressAsync();
        await agent.SendJsonAsync(HttpMethod.Post, $"/v1/deal-negotiations?action=propose&deal_id={deal}", """{"proposed_terms":{"discount_percent":8}}""");
        var (countered, _) = await tenant.Http.SendJsonAsync(HttpMethod.Post, $"/v1/deal-negotiations?action=counter&deal_id={deal}",
            """{"proposed_terms":{"discount_percent":4}}""");
        Assert.Equal(HttpStatusCode.OK, countered.StatusCode);

        // The counter (round 2) restarted the clock: 7 days from it, not from round 1.
        api.Time.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        await api.TickAsync(tenant, deal);
        var (_, open) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deal-negotiations?deal_id={deal}");
        Assert.Equal("counter_proposed", open.GetProperty("data").Str("status"));

        api.Time.Advance(TimeSpan.FromSeconds(1));
        await api.TickAsync(tenant, deal);
        await api.TickAsync(tenant, deal);
        var (_, ended) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deal-negotiations?deal_id={deal}");
        Assert.Equal("expired", ended.GetProperty("data").Str("status"));
        Assert.Empty(ended.GetProperty("data").GetProperty("next_actions").EnumerateArray());
        var expired = Assert.Single(await tenant.EventsAsync("negotiation.expired", deal)).GetProperty("data");
        Assert.Equal(2, expired.GetProperty("round_number").GetInt32());
        Assert.Equal("agent", expired.Str("awaiting"));

        var (late, lateBody) = await agent.SendJsonAsync(HttpMethod.Post, $"/v1/deal-negotiations?action=accept&deal_id={deal}", "{}");
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("expired", lateBody.GetProperty("details").Str("status"));
        // The deal itself is untouched by the expiry (its terms were never accepted).
        var (_, dealBody) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={deal}");
        Assert.Equal("in_progress", dealBody.GetProperty("data").GetProperty("deal").Str("status"));
        Assert.Equal("108.90", dealBody.GetProperty("data").GetProperty("deal").Str("total"));
    }

    [Fact]
    public async Task A_call_that_reaches_the_deal_after_expires_at_finds_the_round_expired_even_before_the_reminder()
    {
        var tenant = await api.NewTenantAsync();
        var agent = api.CreateClient().WithKey(await tenant.KeyAsync(["agent:negotiate", "deals:read"]));
        var (deal, _, _) = await tenant.DealInProgressAsync();
        var expiresAt = api.Time.GetUtcNow().AddHours(1);
        await agent.SendJsonAsync(HttpMethod.Post, $"/v1/deal-negotiations?action=propose&deal_id={deal}",
            $$"""{"proposed_terms":{"discount_percent":8},"expires_at":"{{expiresAt:O}}"}""");
        api.Time.Advance(TimeSpan.FromHours(1));
        var (accept, acceptBody) = await tenant.Http.SendJsonAsync(HttpMethod.Post, $"/v1/deal-negotiations?action=accept&deal_id={deal}", "{}");
        Assert.Equal(HttpStatusCode.Conflict, accept.StatusCode);
        Assert.Equal("expired", acceptBody.GetProperty("details").Str("status"));
        Assert.Single(await tenant.EventsAsync("negotiation.expired", deal));
    }
}
