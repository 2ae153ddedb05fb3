using System.Net;
using System.Text.Json;
using Grains.AgentTrust;
using Grains.Interfaces.AgentTrust;
using Tests.Deals;
using Tests.Infrastructure;

namespace Tests.Delegations;

/// <summary>
/// What time does to an agent key's trust, on a FakeTimeProvider with the review reminder ticked by hand: inactivity
/// decays the score (a warning first, then a demotion with reason <c>decay</c>), and repeated failed deals lock
/// transacting and delegating for a period (<c>?action=locks</c>, 403 <c>authorization_error.capability_locked</c>).
/// </summary>
public sealed class AgentTrustDecayTests(AgentTrustDecayTests.Api api) : IClassFixture<AgentTrustDecayTests.Api>
{
    public sealed class Api() : WebhookApi;

    private static async Task<JsonElement> TrustAsync(HttpClient http, string query = "")
    {
        var (response, body) = await http.SendJsonAsync(HttpMethod.Get, "/v1/agent-trust" + query);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("data");
    }

    private IAgentTrustGrain Grain(TestTenant tenant, string keyId) => api.Grains.GetGrain<IAgentTrustGrain>(TrustLevels.Grain(tenant.Partition, keyId));

    private Task TickAsync(TestTenant tenant, string keyId) =>
        Grain(tenant, keyId).AsReference<IRemindable>().ReceiveReminder(AgentTrustGrain.ReviewReminder, default);

    private void AdvanceTo(DateTimeOffset at) => api.Time.Advance(at - api.Time.GetUtcNow());

    [Fact]
    public async Task Inactivity_warns_then_decays_the_score_until_a_demotion_and_a_new_deal_restores_it()
    {
        var tenant = await api.NewTenantAsync();
        var agent = await tenant.AgentKeyAsync();
        var grain = Grain(tenant, agent.KeyId);
        var start = api.Time.GetUtcNow();
        for (var i = 0; i < 5; i++)
        {
            await grain.DealCompleted($"deal_{i}", 1000m);
        }
        Assert.Equal(55, (await TrustAsync(agent.Http)).GetProperty("score").GetInt32());

        // Day 53: a week before decay starts, the warning (once); the 30-day track record has added 20.
        AdvanceTo(start + TrustLevels.DecayGrace - TrustLevels.DecayWarning);
        await TickAsync(tenant, agent.KeyId);
        await TickAsync(tenant, agent.KeyId);
        var warning = Assert.Single(await tenant.EventsAsync("agent.trust.decay_warning")).GetProperty("data");
        Assert.Equal(75, warning.GetProperty("score").GetInt32());
        Assert.Equal(start + TrustLevels.DecayGrace, warning.GetProperty("decay_starts_at").GetDateTimeOffset());

        // Day 60: −5, then −5 a week: 50 on day 88 (still level 2), 45 on day 95 (level 1).
        AdvanceTo(start + TrustLevels.DecayGrace);
        Assert.Equal(70, (await TrustAsync(agent.Http)).GetProperty("score").GetInt32());
        AdvanceTo(start + TrustLevels.DecayGrace + 5 * TrustLevels.DecayStep - TimeSpan.FromSeconds(1));
        await TickAsync(tenant, agent.KeyId);
        var before = await TrustAsync(agent.Http);
        Assert.Equal(50, before.GetProperty("score").GetInt32());
        Assert.Equal(2, before.GetProperty("trust_level").GetInt32());
        api.Time.Advance(TimeSpan.FromSeconds(1));
        await TickAsync(tenant, agent.KeyId);
        var decayed = await TrustAsync(agent.Http);
        Assert.Equal(45, decayed.GetProperty("score").GetInt32());
        Assert.Equal(1, decayed.GetProperty("trust_level").GetInt32());
        var change = (await TrustAsync(agent.Http, "?action=history")).GetProperty("history")[0];
        Assert.Equal("decay", change.Str("reason"));
        Assert.Equal(1, change.GetProperty("to_level").GetInt32());

        // A completed deal ends the idle spell: no decay, and the track record holds (20 + 5 × 7.5 + 6 + 20 = 83).
        await grain.DealCompleted("deal_new", 1000m);
        var restored = await TrustAsync(agent.Http);
        Assert.Equal(83, restored.GetProperty("score").GetInt32());
        Assert.Equal(3, restored.GetProperty("trust_level").GetInt32());
    }

    [Fact]
    public async Task Three_failed_deals_in_a_day_lock_transacting_and_delegating_until_the_lock_expires()
    {
        var tenant = await api.NewTenantAsync();
        var agent = await tenant.AgentKeyAsync();
        await tenant.SetTrustLevelAsync(agent.KeyId, 2);
        var grain = Grain(tenant, agent.KeyId);
        var product = await tenant.ProductAsync("Seat", 100m);
        await grain.DealFailed("deal_a");
        api.Time.Advance(TimeSpan.FromHours(12));
        await grain.DealFailed("deal_b");
        Assert.Empty((await TrustAsync(agent.Http, "?action=locks")).GetProperty("locks").EnumerateArray());
        api.Time.Advance(TimeSpan.FromHours(11));
        await grain.DealFailed("deal_c");
        var lockedAt = api.Time.GetUtcNow();

        var locks = (await TrustAsync(agent.Http, "?action=locks")).GetProperty("locks");
        Assert.Equal(TrustLevels.AbuseLocked, locks.EnumerateArray().Select(l => l.Str("capability")));
        Assert.All(locks.EnumerateArray(), l => Assert.Equal(lockedAt + TrustLevels.LockPeriod, l.GetProperty("expires_at").GetDateTimeOffset()));
        var trust = await TrustAsync(agent.Http);
        Assert.Contains("delegation", trust.GetProperty("locked_capabilities").EnumerateArray().Select(c => c.GetString()));
        Assert.DoesNotContain("deal_management", trust.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        var abuse = Assert.Single(await tenant.EventsAsync("agent.trust.abuse_detected")).GetProperty("data");
        Assert.Equal(3, abuse.GetProperty("failed_deals").GetInt32());

        var (refused, refusedBody) = await agent.Http.SendJsonAsync(HttpMethod.Post, "/v1/deals?action=create-configured",
            $$"""{"items":[{"product_id":"{{product}}","name":"Seat","unit_price":100,"quantity":1}]}""");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("authorization_error.capability_locked", refusedBody.Code());
        Assert.Equal("deal_creation", refusedBody.GetProperty("details").Str("capability"));
        var grantee = await tenant.AgentAsync();
        var (noDelegation, noDelegationBody) = await agent.Http.SendJsonAsync(HttpMethod.Post, "/v1/delegations",
            $$"""{"grantee_agent_key_id":"{{grantee.KeyId}}","allowed_actions":["deals:read"]}""");
        Assert.Equal(HttpStatusCode.Forbidden, noDelegation.StatusCode);
        Assert.Equal("delegation", noDelegationBody.GetProperty("details").Str("capability"));

        AdvanceTo(lockedAt + TrustLevels.LockPeriod);
        await TickAsync(tenant, agent.KeyId);
        Assert.Empty((await TrustAsync(agent.Http, "?action=locks")).GetProperty("locks").EnumerateArray());
        Assert.Equal(TrustLevels.AbuseLocked, Assert.Single(await tenant.EventsAsync("agent.trust.lock_released"))
            .GetProperty("data").GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        var (created, createdBody) = await agent.Http.SendJsonAsync(HttpMethod.Post, "/v1/deals?action=create-configured",
            $$"""{"items":[{"product_id":"{{product}}","name":"Seat","unit_price":100,"quantity":1}]}""");
        Assert.True(created.StatusCode == HttpStatusCode.Created, createdBody.ToString());
    }

    [Fact]
    public async Task Failures_spread_over_more_than_a_day_lock_nothing()
    {
        var tenant = await api.NewTenantAsync();
        var agent = await tenant.AgentKeyAsync();
        var grain = Grain(tenant, agent.KeyId);
        foreach (var deal in new[] { "deal_a", "deal_b", "deal_c" })
        {
            await grain.DealFailed(deal);
            api.Time.Advance(TimeSpan.FromHours(13));
        }
        Assert.Empty((await TrustAsync(agent.Http, "?action=locks")).GetProperty("locks").EnumerateArray());
        Assert.Equal(3, (await TrustAsync(agent.Http)).GetProperty("statistics").GetProperty("deals_failed").GetInt32());
        Assert.Empty(await tenant.EventsAsync("agent.trust.abuse_detected"));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(59, 0)]
    [InlineData(60, 5)]
    [InlineData(66, 5)]
    [InlineData(67, 10)]
    [InlineData(95, 30)]
    public void Decay_is_5_points_from_60_idle_days_and_5_more_a_week(int idleDays, int points)
    {
        var last = DateTimeOffset.UnixEpoch.AddYears(50);
        Assert.Equal(points, TrustLevels.Decay(last, last.AddDays(idleDays)));
        Assert.Equal(0, TrustLevels.Decay(null, last.AddDays(idleDays)));
    }
}
