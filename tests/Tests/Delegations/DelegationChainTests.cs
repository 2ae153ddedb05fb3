using System.Net;
using Grains.Delegations;
using Grains.Interfaces.Delegations;
using Tests.Deals;
using Tests.Infrastructure;

namespace Tests.Delegations;

/// <summary>Chains (a child never exceeds its parent, spending counts on every link, an end cascades) and the clock (resets, expiry).</summary>
public sealed class DelegationChainTests(DelegationChainTests.Api api) : IClassFixture<DelegationChainTests.Api>
{
    public sealed class Api() : WebhookApi;

    /// <summary>admin → A (root, daily 1000) → B (child, daily 800) → C (grandchild, daily 600), each link by its grantee.</summary>
    private async Task<DelegationCalls.Chain> ThreeLinksAsync()
    {
        var chain = await (await api.NewTenantAsync()).ThreeLinksAsync(1000m, 800m, 600m);
        Assert.Equal([chain.Root, chain.Child], chain.GrandchildChain);
        return chain;
    }

    [Fact]
    public async Task A_grandchild_spend_counts_against_all_three_links_and_revoking_the_root_stops_its_next_request()
    {
        var chain = await ThreeLinksAsync();
        var (created, _) = await chain.Last.Http.ConfiguredDealAsync(chain.Grandchild, chain.Product, 250m);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        foreach (var link in new[] { chain.Root, chain.Child, chain.Grandchild })
        {
            Assert.Equal("250.00", (await chain.Tenant.DelegationAsync(link)).Str("reserved_today"));
        }

        // The root narrowed to 300 a day: the grandchild (350 of its own left) now has 50, the root's remainder.
        await chain.Tenant.SendAsync(HttpMethod.Put, $"/v1/delegations?id={chain.Root}", """{"max_daily_amount":300}""");
        var (capped, refusal) = await chain.Last.Http.ConfiguredDealAsync(chain.Grandchild, chain.Product, 100m);
        Assert.Equal(HttpStatusCode.TooManyRequests, capped.StatusCode);
        Assert.Equal(chain.Root, refusal.GetProperty("details").Str("delegation_id"));
        Assert.Equal(50m, refusal.GetProperty("details").GetProperty("remaining_daily").GetDecimal());
        // The refused request reserved nothing on any link.
        Assert.Equal("250.00", (await chain.Tenant.DelegationAsync(chain.Grandchild)).Str("reserved_today"));
        Assert.Equal("250.00", (await chain.Tenant.DelegationAsync(chain.Child)).Str("reserved_today"));

        var (revoked, _) = await chain.Tenant.SendAsync(HttpMethod.Delete, $"/v1/delegations?id={chain.Root}");
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        var (after, afterBody) = await chain.Last.Http.ConfiguredDealAsync(chain.Grandchild, chain.Product, 10m);
        Assert.Equal(HttpStatusCode.Forbidden, after.StatusCode);
        Assert.Equal("authorization_error.delegation_inactive", afterBody.Code());
        Assert.Equal("revoked", afterBody.GetProperty("details").Str("status"));
        Assert.Equal(chain.Root, afterBody.GetProperty("details").Str("ended_by"));
        foreach (var link in new[] { chain.Child, chain.Grandchild })
        {
            var verify = await chain.Tenant.DelegationAsync(link, "verify");
            Assert.Equal("revoked", verify.Str("status"));
            Assert.False(verify.GetProperty("valid").GetBoolean());
        }
        var revocations = await chain.Tenant.EventsAsync("delegation.revoked");
        Assert.Equal(3, revocations.Count);
        Assert.All(revocations, e => Assert.Equal(chain.Root, e.GetProperty("data").Str("ended_by")));
    }

    [Fact]
    public async Task Forty_concurrent_grandchild_creations_under_a_root_that_admits_four_reserve_exactly_four_on_every_link()
    {
        // Batches of concurrent reservations pass the grandchild (600 a day) and the child (800) and meet the root
        // (narrowed to 450): the root refuses within a batch, and the links below commit only what it accepted.
        var chain = await ThreeLinksAsync();
        await chain.Tenant.SendAsync(HttpMethod.Put, $"/v1/delegations?id={chain.Root}", """{"max_daily_amount":450}""");

        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => chain.Last.Http.ConfiguredDealAsync(chain.Grandchild, chain.Product, 100m)));

        Assert.Equal(4, answers.Count(a => a.Response.StatusCode == HttpStatusCode.Created));
        Assert.All(answers.Where(a => a.Response.StatusCode != HttpStatusCode.Created), a =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, a.Response.StatusCode);
            Assert.Equal("spending_limit_exceeded", a.Body.Code());
        });
        foreach (var link in new[] { chain.Root, chain.Child, chain.Grandchild })
        {
            Assert.Equal("400.00", (await chain.Tenant.DelegationAsync(link)).Str("reserved_today"));
        }
    }

    [Fact]
    public async Task A_child_never_exceeds_its_parent_and_only_the_parents_grantee_may_create_one()
    {
        var tenant = await api.NewTenantAsync();
        var a = await tenant.AgentAsync();
        var b = await tenant.AgentAsync();
        var expires = api.Time.GetUtcNow().AddDays(10);
        var root = (await tenant.Http.DelegateAsync($$"""
            {"grantee_agent_key_id":"{{a.KeyId}}","allowed_actions":["deals:write"],"max_transaction_amount":100,
             "max_monthly_amount":1000,"expires_at":"{{expires:O}}"}
            """)).Str("delegation_id");

        var (beyond, body) = await a.Http.SendJsonAsync(HttpMethod.Post, "/v1/delegations", $$"""
            {"grantee_agent_key_id":"{{b.KeyId}}","allowed_actions":["deals:write","deals:read"],"max_transaction_amount":101,
             "max_daily_amount":50,"expires_at":"{{expires.AddDays(1):O}}"}
            """, DelegationCalls.Under(root));
        Assert.Equal(HttpStatusCode.Forbidden, beyond.StatusCode);
        Assert.Equal("authorization_error.delegation_exceeds_parent", body.Code());
        Assert.Equal(["allowed_actions", "max_transaction_amount", "expires_at"],
            body.GetProperty("details").GetProperty("fields").EnumerateArray().Select(f => f.GetString()));

        // Without caps or an expiry of its own, the child has its parent's.
        var child = await a.Http.DelegateAsync($$"""{"grantee_agent_key_id":"{{b.KeyId}}","allowed_actions":["deals:write"]}""", root);
        Assert.Equal(expires, child.GetProperty("expires_at").GetDateTimeOffset());
        Assert.Equal("100.00", child.Str("max_transaction_amount"));
        Assert.Equal("1000.00", child.Str("max_monthly_amount"));

        var (notGrantee, refusal) = await tenant.Http.SendJsonAsync(HttpMethod.Post, "/v1/delegations",
            $$"""{"grantee_agent_key_id":"{{b.KeyId}}","allowed_actions":["deals:write"]}""", DelegationCalls.Under(root));
        Assert.Equal(HttpStatusCode.Forbidden, notGrantee.StatusCode);
        Assert.Equal("authorization_error.delegation_not_granted", refusal.Code());
    }

    [Fact]
    public async Task A_hold_no_deal_confirms_counts_until_it_lapses_after_30_seconds_and_then_the_ledger_decides()
    {
        var tenant = await api.NewTenantAsync();
        var agent = await tenant.AgentAsync();
        var product = await tenant.ProductAsync("Seat", 100m);
        var id = (await tenant.Http.DelegateAsync(
            $$"""{"grantee_agent_key_id":"{{agent.KeyId}}","allowed_actions":["deals:write"],"max_daily_amount":1000}""")).Str("delegation_id");
        if (api.Time.GetUtcNow().TimeOfDay > TimeSpan.FromHours(23))
        {
            api.Time.Advance(TimeSpan.FromHours(2)); // well inside one day: the windows must not turn during the test
        }
        // A deal that took its hold and never wrote (its silo died before the commit): no ledger row, no confirmation.
        var link = api.Grains.GetGrain<IDelegationGrain>(DelegationKeys.Grain(tenant.Partition, id));
        await link.Reserve(new DelegationSpend(agent.KeyId, "deals:write", 600m, "deal_never_written"));
        Assert.Equal("600.00", (await tenant.DelegationAsync(id)).Str("reserved_today"));

        // The hold counts against the cap until it lapses.
        api.Time.Advance(DelegationGrain.HoldTimeout - TimeSpan.FromSeconds(1));
        var (held, refusal) = await agent.Http.ConfiguredDealAsync(id, product, 500m);
        Assert.Equal(HttpStatusCode.TooManyRequests, held.StatusCode);
        Assert.Equal(400m, refusal.GetProperty("details").GetProperty("remaining_daily").GetDecimal());

        // Lapsed: the ledger has nothing for that deal, so the next batch drops it before checking.
        api.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Created, (await agent.Http.ConfiguredDealAsync(id, product, 500m)).Response.StatusCode);
        Assert.Equal("500.00", (await tenant.DelegationAsync(id)).Str("reserved_today"));
    }

    [Fact]
    public async Task The_daily_cap_resets_at_midnight_utc_and_the_monthly_cap_on_the_first()
    {
        var tenant = await api.NewTenantAsync();
        var agent = await tenant.AgentAsync();
        var product = await tenant.ProductAsync("Seat", 100m);
        var id = (await tenant.Http.DelegateAsync($$"""
            {"grantee_agent_key_id":"{{agent.KeyId}}","allowed_actions":["deals:write"],"max_daily_amount":100,"max_monthly_amount":150}
            """)).Str("delegation_id");
        var now = api.Time.GetUtcNow();
        // Start on the last day of the month, one second before midnight.
        var lastDay = new DateTimeOffset(now.Year, now.Month, 1, 23, 59, 59, TimeSpan.Zero).AddMonths(1).AddDays(-1);
        api.Time.Advance(lastDay - now);

        Assert.Equal(HttpStatusCode.Created, (await agent.Http.ConfiguredDealAsync(id, product, 100m)).Response.StatusCode);
        var (daily, body) = await agent.Http.ConfiguredDealAsync(id, product, 1m);
        Assert.Equal("daily", body.GetProperty("details").Str("limit"));
        Assert.Equal(1, body.GetProperty("recovery").GetProperty("retry_after_seconds").GetInt32());
        Assert.Equal(HttpStatusCode.TooManyRequests, daily.StatusCode);

        // 00:00:00 UTC on the 1st: both windows start again.
        api.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("0.00", (await tenant.DelegationAsync(id)).Str("reserved_this_month"));
        Assert.Equal(HttpStatusCode.Created, (await agent.Http.ConfiguredDealAsync(id, product, 100m)).Response.StatusCode);

        // alert_threshold_pct is not set here: no warnings.
        Assert.Empty(await tenant.EventsAsync("delegation.budget_warning"));

        // The next day the daily cap is free again, but the month has 50 left.
        api.Time.Advance(TimeSpan.FromDays(1));
        var (monthly, monthlyBody) = await agent.Http.ConfiguredDealAsync(id, product, 60m);
        Assert.Equal(HttpStatusCode.TooManyRequests, monthly.StatusCode);
        Assert.Equal("monthly", monthlyBody.GetProperty("details").Str("limit"));
        Assert.Equal(50m, monthlyBody.GetProperty("details").GetProperty("remaining_monthly").GetDecimal());
        Assert.Equal(HttpStatusCode.Created, (await agent.Http.ConfiguredDealAsync(id, product, 50m)).Response.StatusCode);
    }

    [Fact]
    public async Task A_root_expires_at_its_instant_and_the_reminder_ends_every_descendant()
    {
        // The links were made without an expiry; the root's grantor then narrows it to one (children keep none of their own).
        var chain = await ThreeLinksAsync();
        var expires = api.Time.GetUtcNow().AddHours(2);
        var (narrowed, _) = await chain.Tenant.SendAsync(HttpMethod.Put, $"/v1/delegations?id={chain.Root}", $$"""{"expires_at":"{{expires:O}}"}""");
        Assert.Equal(HttpStatusCode.OK, narrowed.StatusCode);

        api.Time.Advance(TimeSpan.FromHours(2) - TimeSpan.FromTicks(1));
        Assert.Equal("active", (await chain.Tenant.DelegationAsync(chain.Root, "verify")).Str("status"));
        Assert.Equal(HttpStatusCode.Created, (await chain.Last.Http.ConfiguredDealAsync(chain.Grandchild, chain.Product, 10m)).Response.StatusCode);

        // At the instant: refused whether or not a reminder ran yet (by the root on the way up, or by the grandchild told of its end).
        api.Time.Advance(TimeSpan.FromTicks(1));
        var (late, body) = await chain.Last.Http.ConfiguredDealAsync(chain.Grandchild, chain.Product, 10m);
        Assert.Equal(HttpStatusCode.Forbidden, late.StatusCode);
        Assert.Equal("expired", body.GetProperty("details").Str("status"));
        Assert.Equal(chain.Root, body.GetProperty("details").Str("ended_by"));

        await api.TickAsync(chain.Tenant, chain.Root);
        await api.TickAsync(chain.Tenant, chain.Root);
        var expired = await Eventually.Get(() => chain.Tenant.EventsAsync("delegation.expired"), e => e.Count == 3, TimeSpan.FromSeconds(10),
            "the expiry passed down the chain");
        Assert.All(expired, e => Assert.Equal(chain.Root, e.GetProperty("data").Str("ended_by")));
        Assert.All(expired, e => Assert.Equal(expires, e.GetProperty("data").GetProperty("occurred_at").GetDateTimeOffset()));
        Assert.Equal("expired", (await chain.Tenant.DelegationAsync(chain.Grandchild, "verify")).Str("status"));
    }

    [Fact]
    public async Task Alert_threshold_pct_warns_once_per_daily_and_monthly_window()
    {
        var tenant = await api.NewTenantAsync();
        var agent = await tenant.AgentAsync();
        var product = await tenant.ProductAsync("Seat", 100m);
        var id = (await tenant.Http.DelegateAsync($$"""
            {"grantee_agent_key_id":"{{agent.KeyId}}","allowed_actions":["deals:write"],"max_daily_amount":100,
             "max_monthly_amount":1000,"alert_threshold_pct":80}
            """)).Str("delegation_id");

        await agent.Http.ConfiguredDealAsync(id, product, 79m);
        Assert.Empty(await tenant.EventsAsync("delegation.budget_warning"));
        await agent.Http.ConfiguredDealAsync(id, product, 1m);
        await agent.Http.ConfiguredDealAsync(id, product, 10m);
        var daily = Assert.Single(await tenant.EventsAsync("delegation.budget_warning")).GetProperty("data");
        Assert.Equal("daily", daily.Str("window"));
        Assert.Equal(80m, daily.GetProperty("utilisation_pct").GetDecimal());

        api.Time.Advance(TimeSpan.FromDays(1));
        await agent.Http.ConfiguredDealAsync(id, product, 90m);
        var warnings = await tenant.EventsAsync("delegation.budget_warning");
        Assert.Equal(2, warnings.Count);
        Assert.Equal("daily", warnings[1].GetProperty("data").Str("window"));
        // Unless the month turned meanwhile, 180 of 1000 is below 80% of the month: no monthly warning.
        Assert.DoesNotContain(warnings, w => w.GetProperty("data").Str("window") == "monthly");
    }

    [Fact]
    public async Task Narrowing_an_ancestor_binds_its_descendants_at_their_next_spend()
    {
        var chain = await ThreeLinksAsync();
        var (narrowed, _) = await chain.Tenant.SendAsync(HttpMethod.Put, $"/v1/delegations?id={chain.Child}", """{"allowed_actions":[]}""");
        Assert.Equal(HttpStatusCode.BadRequest, narrowed.StatusCode);

        // The root keeps only deals:read (the grandchild's own grant still names deals:write).
        await chain.Tenant.SendAsync(HttpMethod.Put, $"/v1/delegations?id={chain.Root}", """{"allowed_actions":["deals:read"]}""");
        var (refused, body) = await chain.Last.Http.ConfiguredDealAsync(chain.Grandchild, chain.Product, 10m);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("authorization_error.delegation_action_not_allowed", body.Code());
        Assert.Equal(chain.Root, body.GetProperty("details").Str("delegation_id"));
        Assert.Equal("0.00", (await chain.Tenant.DelegationAsync(chain.Grandchild)).Str("reserved_today"));
    }
}
