using System.Net;
using System.Text.Json;
using Tests.Deals;
using Tests.Infrastructure;

namespace Tests.Delegations;

/// <summary>The document's delegation examples through the API: create, read actions, narrowing, revocation and validation.</summary>
public sealed class DelegationApiTests(DelegationApiTests.Api api) : IClassFixture<DelegationApiTests.Api>
{
    public sealed class Api() : WebhookApi;

    [Fact]
    public async Task The_documented_create_answers_201_with_the_documented_fields_and_verify_check_and_spending_read_it()
    {
        var tenant = await api.NewTenantAsync();
        var agent = await tenant.AgentAsync();
        var expires = api.Time.GetUtcNow().AddDays(30);
        var created = await tenant.Http.DelegateAsync($$"""
            {"grantee_agent_key_id":"{{agent.KeyId}}","allowed_actions":["deals:read","deals:write","agent:negotiate"],
             "max_transaction_amount":5000.00,"max_daily_amount":25000.00,"expires_at":"{{expires:O}}"}
            """);
        Assert.StartsWith("del_", created.Str("delegation_id"));
        Assert.Equal(tenant.TenantId, created.Str("tenant_id"));
        Assert.Equal(agent.KeyId, created.Str("grantee_agent_key_id"));
        Assert.Equal("5000.00", created.Str("max_transaction_amount"));
        Assert.Equal("25000.00", created.Str("max_daily_amount"));
        Assert.Equal(JsonValueKind.Null, created.GetProperty("max_monthly_amount").ValueKind);
        Assert.Equal("0.00", created.Str("spent_today"));
        Assert.Equal("0.00", created.Str("reserved_today"));
        Assert.Equal("25000.00", created.Str("available_today"));
        Assert.Equal(JsonValueKind.Null, created.GetProperty("available_this_month").ValueKind);
        Assert.Empty(created.GetProperty("delegation_chain").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("revoked_at").ValueKind);
        Assert.Equal(expires, created.GetProperty("expires_at").GetDateTimeOffset());
        var id = created.Str("delegation_id");

        var verify = await tenant.DelegationAsync(id, "verify");
        Assert.Equal("active", verify.Str("status"));
        Assert.True(verify.GetProperty("valid").GetBoolean());
        Assert.Equal(5000m, verify.GetProperty("spending").GetProperty("max_transaction_amount").GetDecimal());
        Assert.Equal(25000m, verify.GetProperty("spending").GetProperty("remaining_today").GetDecimal());
        Assert.Equal(agent.KeyId, verify.Str("grantee_key_id"));

        var (_, check) = await agent.Http.SendJsonAsync(HttpMethod.Get, "/v1/delegations?action=check");
        Assert.True(check.GetProperty("data").GetProperty("valid").GetBoolean());
        Assert.Equal(["deals:read", "deals:write", "agent:negotiate"],
            check.GetProperty("data").GetProperty("allowed_actions").EnumerateArray().Select(a => a.GetString()));

        var spending = await tenant.DelegationAsync(id, "spending");
        Assert.Equal(0m, spending.GetProperty("spent_today").GetDecimal());
        Assert.Equal(0m, spending.GetProperty("utilisation_daily_pct").GetDecimal());
        Assert.Equal(JsonValueKind.Null, spending.GetProperty("utilisation_monthly_pct").ValueKind);

        var (_, list) = await tenant.SendAsync(HttpMethod.Get, "/v1/delegations");
        Assert.Equal(id, Assert.Single(list.GetProperty("data").GetProperty("delegations").EnumerateArray()).Str("delegation_id"));
        Assert.Single(await tenant.EventsAsync("delegation.granted"));
    }

    [Fact]
    public async Task Create_refuses_each_documented_rule_naming_its_field()
    {
        var tenant = await api.NewTenantAsync();
        var agent = await tenant.AgentAsync();
        var past = api.Time.GetUtcNow().AddMinutes(-1);
        async Task<JsonElement> Refused(string json, HttpStatusCode status = HttpStatusCode.BadRequest)
        {
            var (response, body) = await tenant.SendAsync(HttpMethod.Post, "/v1/delegations", json);
            Assert.True(response.StatusCode == status, $"{json} → {(int)response.StatusCode} {body}");
            return body;
        }

        var invalid = await Refused($$"""
            {"grantee_agent_key_id":"{{agent.KeyId}}","allowed_actions":["deals:write","deals:sign"],"approval_timeout":721,
             "alert_threshold_pct":0,"description":"{{new string('x', 501)}}"}
            """);
        var fields = invalid.GetProperty("details").GetProperty("fields");
        Assert.Equal("out_of_range", fields.GetProperty("approval_timeout").Str("code"));
        Assert.Equal("out_of_range", fields.GetProperty("alert_threshold_pct").Str("code"));
        Assert.Equal("too_long", fields.GetProperty("description").Str("code"));
        Assert.Equal("required", fields.GetProperty("signing_authority_acknowledged").Str("code"));
        Assert.Equal("required", (await Refused("""{"grantee_agent_key_id":"key_x"}""")).FieldCode("allowed_actions"));
        Assert.Equal("invalid", (await Refused($$"""{"grantee_agent_key_id":"{{agent.KeyId}}","allowed_actions":["products:write"]}"""))
            .FieldCode("allowed_actions"));
        Assert.Equal("invalid", (await Refused($$"""{"grantee_agent_key_id":"{{agent.KeyId}}","allowed_actions":["deals:read"],"expires_at":"{{past:O}}"}"""))
            .FieldCode("expires_at"));
        Assert.Equal("not_found", (await Refused("""{"grantee_agent_key_id":"key_0123456789abcdef01234567","allowed_actions":["deals:read"]}"""))
            .FieldCode("grantee_agent_key_id"));

        // Downward only: a key cannot delegate a scope it does not hold.
        var (_, beyond) = await agent.Http.SendJsonAsync(HttpMethod.Post, "/v1/delegations",
            $$"""{"grantee_agent_key_id":"{{agent.KeyId}}","allowed_actions":["customers:write"]}""");
        Assert.Equal("authorization_error.delegation_exceeds_grantor", beyond.Code());

        var acknowledged = await tenant.Http.DelegateAsync($$$"""
            {"grantee_agent_key_id":"{{{agent.KeyId}}}","allowed_actions":["deals:sign"],"signing_authority_acknowledged":true,
             "approval_timeout":720,"alert_threshold_pct":100,"approval_steps":{"steps":[{"role":"manager"}]}}
            """);
        Assert.Equal(720, acknowledged.GetProperty("approval_timeout").GetInt32());
        Assert.Equal("manager", acknowledged.GetProperty("approval_steps").GetProperty("steps")[0].Str("role"));
    }

    [Fact]
    public async Task A_put_narrows_and_a_widening_put_is_403_naming_every_widened_field()
    {
        var tenant = await api.NewTenantAsync();
        var agent = await tenant.AgentAsync();
        var expires = api.Time.GetUtcNow().AddDays(30);
        var id = (await tenant.Http.DelegateAsync($$"""
            {"grantee_agent_key_id":"{{agent.KeyId}}","allowed_actions":["deals:read","deals:write"],
             "max_transaction_amount":5000.00,"max_daily_amount":25000.00,"expires_at":"{{expires:O}}"}
            """)).Str("delegation_id");

        var earlier = expires.AddDays(-10);
        var (narrowed, body) = await tenant.SendAsync(HttpMethod.Put, $"/v1/delegations?id={id}",
            $$"""{ "max_transaction_amount": 2500.00, "expires_at": "{{earlier:O}}" }""");
        Assert.Equal(HttpStatusCode.OK, narrowed.StatusCode);
        Assert.Equal("2500.00", body.GetProperty("data").Str("max_transaction_amount"));
        Assert.Equal(earlier, body.GetProperty("data").GetProperty("expires_at").GetDateTimeOffset());

        var (widened, refusal) = await tenant.SendAsync(HttpMethod.Put, $"/v1/delegations?id={id}",
            $$"""{"allowed_actions":["deals:read","customers:read"],"max_daily_amount":null,"max_transaction_amount":3000,"expires_at":"{{expires:O}}"}""");
        Assert.Equal(HttpStatusCode.Forbidden, widened.StatusCode);
        Assert.Equal("authorization_error.delegation_widening", refusal.Code());
        Assert.Equal(["allowed_actions", "max_transaction_amount", "max_daily_amount", "expires_at"],
            refusal.GetProperty("details").GetProperty("fields").EnumerateArray().Select(f => f.GetString()));
        // All or nothing: the refused PUT changed nothing.
        Assert.Equal("2500.00", (await tenant.DelegationAsync(id)).Str("max_transaction_amount"));

        // Only the grantor (or an admin key) changes it.
        var (byGrantee, _) = await agent.Http.SendJsonAsync(HttpMethod.Put, $"/v1/delegations?id={id}", """{"max_transaction_amount":1}""");
        Assert.Equal(HttpStatusCode.Forbidden, byGrantee.StatusCode);
    }

    [Fact]
    public async Task Deals_under_a_delegation_reserve_their_total_and_a_cap_refusal_is_429_with_the_remaining_budget()
    {
        var tenant = await api.NewTenantAsync();
        var agent = await tenant.AgentAsync();
        var product = await tenant.ProductAsync("Seat", 400m);
        var id = (await tenant.Http.DelegateAsync($$"""
            {"grantee_agent_key_id":"{{agent.KeyId}}","allowed_actions":["deals:read","deals:write"],
             "max_transaction_amount":500.00,"max_daily_amount":1000.00,"max_monthly_amount":5000.00}
            """)).Str("delegation_id");

        using var transactionRefusals = new MeasurementCounter("salesbooth.delegation.cap_rejections", "delegation.cap", "transaction");
        var (first, firstBody) = await agent.Http.ConfiguredDealAsync(id, product, 400m);
        Assert.True(first.StatusCode == HttpStatusCode.Created, firstBody.ToString());
        var (perTransaction, refusal) = await agent.Http.ConfiguredDealAsync(id, product, 500.01m);
        Assert.Equal(HttpStatusCode.TooManyRequests, perTransaction.StatusCode);
        Assert.True(transactionRefusals.Total >= 1, "the refusal is counted by the cap that refused it");
        Assert.Equal("spending_limit_exceeded", refusal.Code());
        Assert.Equal("rate_limited", refusal.Str("category"));
        Assert.Equal("transaction", refusal.GetProperty("details").Str("limit"));
        Assert.Equal(600m, refusal.GetProperty("details").GetProperty("remaining_daily").GetDecimal());
        Assert.Equal(4600m, refusal.GetProperty("details").GetProperty("remaining_monthly").GetDecimal());

        var (second, _) = await agent.Http.ConfiguredDealAsync(id, product, 400m);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        var (daily, dailyRefusal) = await agent.Http.ConfiguredDealAsync(id, product, 400m);
        Assert.Equal(HttpStatusCode.TooManyRequests, daily.StatusCode);
        Assert.Equal("daily", dailyRefusal.GetProperty("details").Str("limit"));
        Assert.Equal(200m, dailyRefusal.GetProperty("details").GetProperty("remaining_daily").GetDecimal());
        // The fake clock is 10:00 UTC on the epoch day or later: the retry is the time to the next midnight.
        var now = api.Time.GetUtcNow();
        var toMidnight = (int)Math.Ceiling((now.UtcDateTime.Date.AddDays(1) - now.UtcDateTime).TotalSeconds);
        Assert.Equal(toMidnight, dailyRefusal.GetProperty("recovery").GetProperty("retry_after_seconds").GetInt32());

        var view = await tenant.DelegationAsync(id);
        Assert.Equal("800.00", view.Str("reserved_today"));
        Assert.Equal("200.00", view.Str("available_today"));

        // A cancelled deal gives its reservation back.
        var deal = firstBody.GetProperty("data").GetProperty("deal").Str("deal_id");
        var etag = first.ETag();
        var (cancelled, _) = await tenant.SendAsync(HttpMethod.Delete, $"/v1/deals?id={deal}", ifMatch: etag);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("400.00", (await tenant.DelegationAsync(id)).Str("reserved_today"));
        var (third, _) = await agent.Http.ConfiguredDealAsync(id, product, 400m);
        Assert.Equal(HttpStatusCode.Created, third.StatusCode);

        // Only its grantee acts under it, and a malformed header is a 400.
        var (notGrantee, notGranteeBody) = await tenant.Http.ConfiguredDealAsync(id, product, 1m);
        Assert.Equal(HttpStatusCode.Forbidden, notGrantee.StatusCode);
        Assert.Equal("authorization_error.delegation_not_granted", notGranteeBody.Code());
        var (malformed, _) = await agent.Http.ConfiguredDealAsync("del_nope", product, 1m);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    [Fact]
    public async Task Two_hundred_concurrent_deal_creations_under_a_daily_cap_that_admits_37_create_exactly_37()
    {
        var tenant = await api.NewTenantAsync();
        var agent = await tenant.AgentAsync();
        var product = await tenant.ProductAsync("Seat", 100m);
        var id = (await tenant.Http.DelegateAsync($$"""
            {"grantee_agent_key_id":"{{agent.KeyId}}","allowed_actions":["deals:write"],"max_daily_amount":3799.99}
            """)).Str("delegation_id");

        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => agent.Http.ConfiguredDealAsync(id, product, 100m)));

        Assert.Equal(37, answers.Count(a => a.Response.StatusCode == HttpStatusCode.Created));
        var refused = answers.Where(a => a.Response.StatusCode != HttpStatusCode.Created).ToList();
        Assert.Equal(163, refused.Count);
        Assert.All(refused, a =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, a.Response.StatusCode);
            Assert.Equal("spending_limit_exceeded", a.Body.Code());
            Assert.Equal(99.99m, a.Body.GetProperty("details").GetProperty("remaining_daily").GetDecimal());
        });
        var spending = await tenant.DelegationAsync(id, "spending");
        Assert.Equal(3700m, spending.GetProperty("reserved_today").GetDecimal() + spending.GetProperty("spent_today").GetDecimal());
    }

    [Fact]
    public async Task A_deal_raised_under_its_delegation_raises_its_one_hold_and_signing_needs_the_sign_action()
    {
        var tenant = await api.NewTenantAsync();
        var agent = await tenant.AgentAsync("deals:read", "deals:write", "deals:sign");
        var product = await tenant.ProductAsync("Seat", 400m);
        var id = (await tenant.Http.DelegateAsync($$"""
            {"grantee_agent_key_id":"{{agent.KeyId}}","allowed_actions":["deals:write"],"max_daily_amount":1000.00}
            """)).Str("delegation_id");
        var under = DelegationCalls.Under(id);

        // The document's example: a create without items is worth nothing yet, and is accepted under the delegation.
        var (created, createdBody) = await agent.Http.SendJsonAsync(HttpMethod.Post, "/v1/deals",
            """{ "title": "Seats", "currency": "USD" }""", under);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var deal = createdBody.GetProperty("data").GetProperty("deal").Str("deal_id");
        var item = $$"""{"product_id":"{{product}}","name":"Seat","unit_price":400,"quantity":1}""";
        var (added, _) = await agent.Http.SendJsonAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=add_item", item, under);
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal("400.00", (await tenant.DelegationAsync(id)).Str("reserved_today"));
        var (again, _) = await agent.Http.SendJsonAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=add_item", item, under);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("800.00", (await tenant.DelegationAsync(id)).Str("reserved_today"));
        var (third, refusal) = await agent.Http.SendJsonAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=add_item", item, under);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal(200m, refusal.GetProperty("details").GetProperty("remaining_daily").GetDecimal());
        var (_, unchanged) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={deal}");
        Assert.Equal(2, unchanged.GetProperty("data").GetProperty("deal").GetProperty("line_items").GetArrayLength());

        // Signing a deal under a delegation is spending authority of its own: this one does not allow deals:sign.
        var (other, _, _) = await tenant.DealInProgressAsync();
        var (sign, signRefusal) = await agent.Http.SendJsonAsync(HttpMethod.Post, $"/v1/deals?id={other}&action=sign", "{}", under);
        Assert.Equal(HttpStatusCode.Forbidden, sign.StatusCode);
        Assert.Equal("authorization_error.delegation_action_not_allowed", signRefusal.Code());
    }

    [Fact]
    public async Task A_deal_closed_under_a_delegation_turns_its_reservation_into_spending()
    {
        var tenant = await api.NewTenantAsync();
        var agent = await tenant.AgentAsync();
        var customer = await tenant.CustomerAsync($"{Guid.NewGuid():N}@example.com");
        var product = await tenant.ProductAsync("Seat", 99m);
        var id = (await tenant.Http.DelegateAsync($$"""
            {"grantee_agent_key_id":"{{agent.KeyId}}","allowed_actions":["deals:write"],"max_daily_amount":1000,"max_monthly_amount":5000}
            """)).Str("delegation_id");
        var (created, body) = await agent.Http.SendJsonAsync(HttpMethod.Post, "/v1/deals?action=create-configured", $$"""
            {"customer_id":"{{customer}}","tax_rate":0.10,"items":[{"product_id":"{{product}}","name":"Seat","unit_price":99,"quantity":1}]}
            """, DelegationCalls.Under(id));
        Assert.True(created.StatusCode == HttpStatusCode.Created, body.ToString());
        var deal = body.GetProperty("data").GetProperty("deal").Str("deal_id");
        Assert.Equal("108.90", (await tenant.DelegationAsync(id)).Str("reserved_today"));

        // The rest of the deal's life is the merchant's: signed by both, paid through an escrow, released (closed).
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=transition&status=in_progress");
        await tenant.SignBothAsync(deal, customer);
        var escrow = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=escrow",
            """{"conditions":[{"type":"delivery"}]}""", expected: HttpStatusCode.Created);
        var condition = escrow.GetProperty("escrow").GetProperty("conditions")[0].Str("id");
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=fulfill_condition", $$"""{"condition_id":"{{condition}}"}""");
        var closed = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=release_escrow");
        Assert.Equal("closed", closed.GetProperty("deal").Str("status"));

        var view = await tenant.DelegationAsync(id);
        Assert.Equal("0.00", view.Str("reserved_today"));
        Assert.Equal("108.90", view.Str("spent_today"));
        Assert.Equal("108.90", view.Str("spent_this_month"));
        Assert.Equal("891.10", view.Str("available_today"));
    }

    [Fact]
    public async Task Summary_counts_the_active_delegations_the_key_granted_and_their_budget_use()
    {
        var tenant = await api.NewTenantAsync();
        var agent = await tenant.AgentAsync();
        var product = await tenant.ProductAsync("Seat", 100m);
        string Grant(int daily) => $$"""{"grantee_agent_key_id":"{{agent.KeyId}}","allowed_actions":["deals:write"],"max_daily_amount":{{daily}}}""";
        var used = (await tenant.Http.DelegateAsync(Grant(1000))).Str("delegation_id");
        await tenant.Http.DelegateAsync(Grant(1000));
        var revoked = (await tenant.Http.DelegateAsync(Grant(5000))).Str("delegation_id");
        await tenant.SendAsync(HttpMethod.Delete, $"/v1/delegations?id={revoked}");
        Assert.Equal(HttpStatusCode.Created, (await agent.Http.ConfiguredDealAsync(used, product, 400m)).Response.StatusCode);

        var (response, body) = await tenant.SendAsync(HttpMethod.Get, "/v1/delegations?action=summary");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var summary = body.GetProperty("data");
        Assert.Equal(2, summary.GetProperty("active_count").GetInt32());
        Assert.Equal(0, summary.GetProperty("pending_approvals").GetInt32());
        Assert.Equal(20, summary.GetProperty("daily_budget_used_pct").GetInt32());
        Assert.Equal(JsonValueKind.Null, summary.GetProperty("monthly_budget_used_pct").ValueKind);

        // The agent granted none of them.
        var (_, own) = await agent.Http.SendJsonAsync(HttpMethod.Get, "/v1/delegations?action=summary");
        Assert.Equal(0, own.GetProperty("data").GetProperty("active_count").GetInt32());
    }
}
