using System.Net;
using System.Text.Json;
using Grains.AgentTrust;
using Grains.Interfaces.AgentTrust;
using Tests.Deals;
using Tests.Infrastructure;

namespace Tests.Delegations;

/// <summary>
/// Agent keys and trust levels: <c>agent_key: true</c> keys (<c>key_agent_...</c>), the level's transaction cap
/// (403 <c>trust_cap_exceeded</c>), delegation from level 2, the score and promotion (and demotion) with
/// <c>agent.trust.level_changed</c>, the 30-day track record, and the admin's manual level.
/// </summary>
public sealed class AgentTrustTests(AgentTrustTests.Api api) : IClassFixture<AgentTrustTests.Api>
{
    public sealed class Api() : WebhookApi;

    private static Task<DelegationCalls.Agent> AgentKeyAsync(TestTenant tenant) => tenant.AgentKeyAsync();

    private static async Task<JsonElement> TrustAsync(HttpClient http, string query = "")
    {
        var (response, body) = await http.SendJsonAsync(HttpMethod.Get, "/v1/agent-trust" + query);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("data");
    }

    private static Task<(HttpResponseMessage Response, JsonElement Body)> SetLevelAsync(HttpClient http, string keyId, string level) =>
        http.SendJsonAsync(HttpMethod.Post, $"/v1/agent-trust?key_id={keyId}&action=set_level", $$"""{"level":{{level}},"reason":"vetted"}""");

    private static Task<(HttpResponseMessage Response, JsonElement Body)> DealAsync(DelegationCalls.Agent agent, string product, decimal price) =>
        agent.Http.SendJsonAsync(HttpMethod.Post, "/v1/deals?action=create-configured",
            $$"""{"items":[{"product_id":"{{product}}","name":"Seat","unit_price":{{price}},"quantity":1}]}""");

    [Fact]
    public async Task A_new_agent_key_is_untrusted_and_cannot_transact_until_a_level_admits_the_amount()
    {
        var tenant = await api.NewTenantAsync();
        var agent = await AgentKeyAsync(tenant);
        var product = await tenant.ProductAsync("Seat", 100m);
        var trust = await TrustAsync(agent.Http);
        Assert.Equal(agent.KeyId, trust.Str("key_id"));
        Assert.Equal(0, trust.GetProperty("trust_level").GetInt32());
        Assert.Equal("Untrusted", trust.Str("trust_label"));
        Assert.Equal(0m, trust.GetProperty("transaction_cap").GetDecimal());
        Assert.Equal(["discovery"], trust.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(1, trust.GetProperty("next_level").GetProperty("level").GetInt32());
        Assert.Equal(20, trust.GetProperty("next_level").GetProperty("score_needed").GetInt32());
        Assert.Equal(0, trust.GetProperty("statistics").GetProperty("deals_completed").GetInt32());

        var (refused, body) = await DealAsync(agent, product, 100m);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("trust_cap_exceeded", body.Code());
        Assert.Equal("authorization_error", body.Str("category"));
        Assert.Equal(0m, body.GetProperty("details").GetProperty("transaction_cap").GetDecimal());
        Assert.Equal(100m, body.GetProperty("details").GetProperty("attempted_amount").GetDecimal());
        Assert.Single(await tenant.EventsAsync("agent.trust_cap_exceeded"));

        // The admin bootstraps it to level 1: 500 per deal.
        var (set, setBody) = await SetLevelAsync(tenant.Http, agent.KeyId, "1");
        Assert.True(set.StatusCode == HttpStatusCode.OK, setBody.ToString());
        Assert.Equal(HttpStatusCode.Created, (await DealAsync(agent, product, 500m)).Response.StatusCode);
        var (over, overBody) = await DealAsync(agent, product, 501m);
        Assert.Equal(HttpStatusCode.Forbidden, over.StatusCode);
        Assert.Equal(500m, overBody.GetProperty("details").GetProperty("transaction_cap").GetDecimal());

        // A regular key is not subject to trust levels.
        Assert.Equal(HttpStatusCode.Created, (await tenant.SendAsync(HttpMethod.Post, "/v1/deals?action=create-configured",
            $$"""{"items":[{"product_id":"{{product}}","name":"Seat","unit_price":90000,"quantity":1}]}""")).Response.StatusCode);
    }

    [Fact]
    public async Task Delegating_needs_level_2_and_only_an_admin_key_sets_the_manual_level_up_to_4()
    {
        var tenant = await api.NewTenantAsync();
        var agent = await AgentKeyAsync(tenant);
        var grantee = await tenant.AgentAsync();
        var grant = $$"""{"grantee_agent_key_id":"{{grantee.KeyId}}","allowed_actions":["deals:read"]}""";
        var (low, lowBody) = await agent.Http.SendJsonAsync(HttpMethod.Post, "/v1/delegations", grant);
        Assert.Equal(HttpStatusCode.Forbidden, low.StatusCode);
        Assert.Equal("authorization_error.trust_level_insufficient", lowBody.Code());
        Assert.Equal(2, lowBody.GetProperty("details").GetProperty("required_level").GetInt32());

        var (self, _) = await SetLevelAsync(agent.Http, agent.KeyId, "4");
        Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        var (bad, badBody) = await SetLevelAsync(tenant.Http, agent.KeyId, "5");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("level", badBody.GetProperty("details").GetProperty("fields").EnumerateObject().Single().Name);

        Assert.Equal(HttpStatusCode.OK, (await SetLevelAsync(tenant.Http, agent.KeyId, "2")).Response.StatusCode);
        await agent.Http.DelegateAsync(grant);

        var (partner, partnerBody) = await SetLevelAsync(tenant.Http, agent.KeyId, "4");
        Assert.Equal(HttpStatusCode.OK, partner.StatusCode);
        var view = partnerBody.GetProperty("data");
        Assert.Equal("Verified Partner", view.Str("trust_label"));
        Assert.Equal(JsonValueKind.Null, view.GetProperty("transaction_cap").ValueKind);
        Assert.Contains("system_tools", view.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        var changes = await tenant.EventsAsync("agent.trust.level_changed");
        Assert.Equal([2, 4], changes.Select(e => e.GetProperty("data").GetProperty("new_level").GetInt32()));
        var history = await TrustAsync(agent.Http, "?action=history&limit=10");
        Assert.Equal([4, 2], history.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("to_level").GetInt32()));
        Assert.NotEqual(agent.KeyId, history.GetProperty("history")[0].Str("changed_by"));
        Assert.Empty((await TrustAsync(agent.Http, "?action=locks")).GetProperty("locks").EnumerateArray());
        // The admin reads it by key id too.
        Assert.Equal(4, (await TrustAsync(tenant.Http, $"?key_id={agent.KeyId}")).GetProperty("trust_level").GetInt32());
    }

    [Fact]
    public async Task Completed_and_failed_deals_move_the_score_and_level_both_ways_and_the_track_record_reaches_level_3()
    {
        var tenant = await api.NewTenantAsync();
        var agent = await AgentKeyAsync(tenant);
        var grain = api.Grains.GetGrain<IAgentTrustGrain>(TrustLevels.Grain(tenant.Partition, agent.KeyId));
        var start = api.Time.GetUtcNow();

        await grain.DealCompleted("deal_a", 1000m);
        await grain.DealCompleted("deal_a", 1000m); // the same deal again counts nothing
        var one = await TrustAsync(agent.Http);
        Assert.Equal(21, one.GetProperty("score").GetInt32()); // 20 for the first deal + 1 per 1,000
        Assert.Equal(1, one.GetProperty("trust_level").GetInt32());
        Assert.Equal(1, one.GetProperty("statistics").GetProperty("deals_completed").GetInt32());

        for (var i = 0; i < 4; i++)
        {
            await grain.DealCompleted($"deal_b{i}", 1000m);
        }
        var five = await TrustAsync(agent.Http);
        Assert.Equal(55, five.GetProperty("score").GetInt32()); // 20 + 4 × 7.5 + 5
        Assert.Equal(2, five.GetProperty("trust_level").GetInt32());
        Assert.Equal(5000m, five.GetProperty("transaction_cap").GetDecimal());

        await grain.DealFailed("deal_c");
        var failed = await TrustAsync(agent.Http);
        Assert.Equal(45, failed.GetProperty("score").GetInt32());
        Assert.Equal(1, failed.GetProperty("trust_level").GetInt32());

        for (var i = 0; i < 5; i++)
        {
            await grain.DealCompleted($"deal_d{i}", 1000m);
        }
        // 60 (capped) + 10 − 10 = 60: level 2, and level 3 waits for the 30-day track record.
        Assert.Equal(2, (await TrustAsync(agent.Http)).GetProperty("trust_level").GetInt32());
        api.Time.Advance(start + TrustLevels.TrackRecord - api.Time.GetUtcNow());
        await grain.AsReference<IRemindable>().ReceiveReminder(AgentTrustGrain.ReviewReminder, default);
        var trusted = await TrustAsync(agent.Http);
        Assert.Equal(80, trusted.GetProperty("score").GetInt32());
        Assert.Equal(3, trusted.GetProperty("trust_level").GetInt32());
        Assert.Equal(JsonValueKind.Null, trusted.GetProperty("next_level").ValueKind);

        var levels = (await tenant.EventsAsync("agent.trust.level_changed")).Select(e => e.GetProperty("data").GetProperty("new_level").GetInt32());
        Assert.Equal([1, 2, 1, 2, 3], levels);
    }

    [Fact]
    public async Task A_deal_created_by_an_agent_key_counts_for_its_trust_when_it_is_cancelled()
    {
        var tenant = await api.NewTenantAsync();
        var agent = await AgentKeyAsync(tenant);
        var product = await tenant.ProductAsync("Seat", 100m);
        await SetLevelAsync(tenant.Http, agent.KeyId, "1");
        var deal = (await DealAsync(agent, product, 100m)).Body.GetProperty("data").GetProperty("deal").Str("deal_id");
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=transition&status=cancelled");
        var trust = await Eventually.Get(() => TrustAsync(agent.Http), t => t.GetProperty("statistics").GetProperty("deals_failed").GetInt32() == 1,
            TimeSpan.FromSeconds(10), "the cancelled deal to count");
        Assert.Equal(0, trust.GetProperty("statistics").GetProperty("deals_completed").GetInt32());
    }

    [Fact]
    public async Task A_trust_credential_is_an_EdDSA_JWT_verifiable_offline_and_a_demotion_revokes_it_publicly()
    {
        var tenant = await api.NewTenantAsync();
        var agent = await AgentKeyAsync(tenant);
        await SetLevelAsync(tenant.Http, agent.KeyId, "2");
        var swaps = new Dictionary<string, string>();
        var (issued, issuedBody) = await DocCurl.RunAsync(api.CreateClient(), ApiKeyOf(agent), DelegationDocSnippets.IssueCredential, swaps);
        Assert.True(issued.StatusCode == HttpStatusCode.Created, issuedBody.ToString());
        var credential = issuedBody.GetProperty("data");
        Assert.StartsWith("cred_", credential.Str("credential_id"));
        Assert.Equal("TrustLevelCredential", credential.Str("type"));
        Assert.Equal(2, credential.GetProperty("trust_level").GetInt32());
        Assert.Equal(api.Time.GetUtcNow().AddMonths(6), credential.GetProperty("expires_at").GetDateTimeOffset());

        // Offline: split the compact JWS, check the header and claims, verify the signature with the public key alone.
        var jwt = credential.Str("jwt");
        var parts = jwt.Split('.');
        Assert.Equal(3, parts.Length);
        using var header = JsonDocument.Parse(TrustJwt.FromBase64Url(parts[0]));
        Assert.Equal("EdDSA", header.RootElement.Str("alg"));
        var key = credential.GetProperty("verification_key");
        Assert.Equal(key.Str("kid"), header.RootElement.Str("kid"));
        using var payload = JsonDocument.Parse(TrustJwt.FromBase64Url(parts[1]));
        Assert.Equal(agent.KeyId, payload.RootElement.Str("sub"));
        Assert.Equal(credential.Str("credential_id"), payload.RootElement.Str("jti"));
        Assert.Equal(2, payload.RootElement.GetProperty("vc").GetProperty("credentialSubject").GetProperty("trust_level").GetInt32());
        var signature = Convert.ToBase64String(TrustJwt.FromBase64Url(parts[2]));
        Assert.True(Grains.Deals.Signing.Ed25519Verifier.Verify(key.Str("public_key"), TrustJwt.Ascii($"{parts[0]}.{parts[1]}"), signature));
        var forged = TrustJwt.Base64Url(System.Text.Encoding.UTF8.GetBytes(
            System.Text.Encoding.UTF8.GetString(TrustJwt.FromBase64Url(parts[1])).Replace("\"trust_level\":2", "\"trust_level\":4")));
        Assert.False(Grains.Deals.Signing.Ed25519Verifier.Verify(key.Str("public_key"), TrustJwt.Ascii($"{parts[0]}.{forged}"), signature));

        var (listed, listedBody) = await DocCurl.RunAsync(api.CreateClient(), ApiKeyOf(agent), DelegationDocSnippets.ListCredentials, swaps);
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Equal("active", Assert.Single(listedBody.GetProperty("data").GetProperty("credentials").EnumerateArray()).Str("status"));

        // Clearing the manual level drops the key to level 0: the level-2 credential is revoked, on the public list too.
        Assert.Equal(HttpStatusCode.OK, (await SetLevelAsync(tenant.Http, agent.KeyId, "null")).Response.StatusCode);
        var (revocations, revocationsBody) = await DocCurl.RunAsync(api.CreateClient(), "", DelegationDocSnippets.Revocations, swaps);
        Assert.Equal(HttpStatusCode.OK, revocations.StatusCode);
        var revoked = revocationsBody.GetProperty("data").GetProperty("revocations").EnumerateArray()
            .Single(r => r.Str("credential_id") == credential.Str("credential_id"));
        Assert.Equal("trust_demotion", revoked.Str("reason"));
        Assert.Single(await tenant.EventsAsync("agent.trust.credential_revoked"));
        Assert.Single(await tenant.EventsAsync("agent.trust.credential_issued"));
        var after = (await agent.Http.SendJsonAsync(HttpMethod.Get, "/v1/agent-trust-credentials")).Body.GetProperty("data");
        Assert.Equal("revoked", after.GetProperty("credentials")[0].Str("status"));
    }

    private static string ApiKeyOf(DelegationCalls.Agent agent) => agent.Http.DefaultRequestHeaders.Authorization!.Parameter!;

    [Theory]
    [InlineData(0, 0, 0, false, 0)]
    [InlineData(1, 0, 0, false, 20)]
    [InlineData(5, 0, 0, false, 50)]
    [InlineData(7, 0, 14350, false, 74)]
    [InlineData(20, 0, 50000, true, 100)]
    [InlineData(1, 3, 0, false, 0)]
    public void The_score_is_completions_value_track_record_and_failures(int completed, int failed, int value, bool monthOld, int score)
    {
        var now = DateTimeOffset.UnixEpoch.AddYears(50);
        DateTimeOffset? first = completed == 0 ? null : monthOld ? now - TrustLevels.TrackRecord : now;
        Assert.Equal(score, TrustLevels.Score(completed, failed, value, first, now));
    }
}
