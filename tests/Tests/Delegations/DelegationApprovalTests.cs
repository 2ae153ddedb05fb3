using System.Net;
using System.Text.Json;
using Grains.Delegations;
using Grains.Interfaces.Delegations;
using Tests.Deals;
using Tests.Infrastructure;

namespace Tests.Delegations;

/// <summary>
/// Approvals (a deal above <c>approval_threshold</c> is held pending until the grantor approves or rejects it, or its
/// <c>approval_timeout</c> expires it), <c>DELEGATION_BUDGET_EXCEEDED</c> on a negotiation offer, and the activity and
/// analytics actions.
/// </summary>
public sealed class DelegationApprovalTests(DelegationApprovalTests.Api api) : IClassFixture<DelegationApprovalTests.Api>
{
    public sealed class Api() : WebhookApi;

    private sealed record Setup(TestTenant Tenant, DelegationCalls.Agent Agent, string Product, string Delegation, string Customer);

    /// <summary>A create-configured deal of one item for the setup's customer, by the agent under the delegation.</summary>
    private static Task<(HttpResponseMessage Response, JsonElement Body)> DealForAsync(Setup s, decimal price) =>
        s.Agent.Http.SendJsonAsync(HttpMethod.Post, "/v1/deals?action=create-configured",
            $$"""{"customer_id":"{{s.Customer}}","items":[{"product_id":"{{s.Product}}","name":"Seat","unit_price":{{price}},"quantity":1}]}""",
            DelegationCalls.Under(s.Delegation));

    private async Task<Setup> ThresholdAsync(int timeoutHours = 24)
    {
        var tenant = await api.NewTenantAsync();
        var agent = await tenant.AgentAsync();
        var product = await tenant.ProductAsync("Seat", 100m);
        var id = (await tenant.Http.DelegateAsync($$"""
            {"grantee_agent_key_id":"{{agent.KeyId}}","allowed_actions":["deals:read","deals:write"],"max_daily_amount":5000,
             "approval_threshold":500,"approval_timeout":{{timeoutHours}}}
            """)).Str("delegation_id");
        return new Setup(tenant, agent, product, id, await tenant.CustomerAsync());
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> MoveAsync(Setup s, string deal)
    {
        var (response, body) = await s.Agent.Http.SendJsonAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=transition&status=in_progress", null,
            DelegationCalls.Under(s.Delegation));
        return (response.StatusCode, body);
    }

    private static Task<JsonElement> DealAsync(Setup s, string deal) => s.Tenant.DealAsync(HttpMethod.Get, $"/v1/deals?id={deal}");

    [Fact]
    public async Task A_deal_above_the_threshold_is_held_pending_until_the_grantor_approves_it()
    {
        var s = await ThresholdAsync();
        // At the threshold: no approval needed.
        var (small, smallBody) = await DealForAsync(s, 500m);
        Assert.Equal(HttpStatusCode.Created, small.StatusCode);
        var smallMove = await MoveAsync(s, smallBody.GetProperty("data").GetProperty("deal").Str("deal_id"));
        Assert.True(smallMove.Status == HttpStatusCode.OK, smallMove.Body.ToString());

        var requestedAt = api.Time.GetUtcNow();
        var (created, createdBody) = await DealForAsync(s, 800m);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var deal = createdBody.GetProperty("data").GetProperty("deal").Str("deal_id");
        var required = Assert.Single(await s.Tenant.EventsAsync("agent.approval_required")).GetProperty("data");
        Assert.Equal(deal, required.Str("deal_id"));
        Assert.Equal(800m, required.GetProperty("amount").GetDecimal());
        Assert.Equal(requestedAt.AddHours(24), required.GetProperty("expires_at").GetDateTimeOffset());

        // Held: the amount counts against the caps, the deal cannot move on, the grantor sees it waiting.
        var delegation = await s.Tenant.DelegationAsync(s.Delegation);
        Assert.Equal("1300.00", delegation.Str("reserved_today"));
        Assert.Equal("pending", Assert.Single(delegation.GetProperty("approvals").EnumerateArray()).Str("status"));
        var (blocked, blockedBody) = await MoveAsync(s, deal);
        Assert.Equal(HttpStatusCode.Conflict, blocked);
        Assert.Equal("conflict.approval_pending", blockedBody.Code());
        var (pending, pendingBody) = await s.Tenant.SendAsync(HttpMethod.Get, "/v1/delegations?action=pending");
        Assert.Equal(HttpStatusCode.OK, pending.StatusCode);
        var row = Assert.Single(pendingBody.GetProperty("data").GetProperty("delegations").EnumerateArray());
        Assert.Equal(s.Delegation, row.Str("delegation_id"));
        Assert.Equal(1, row.GetProperty("pending_approvals_count").GetInt32());
        Assert.Equal(s.Agent.KeyId, row.Str("grantee_agent_key_id"));
        Assert.Equal(1, pendingBody.GetProperty("data").GetProperty("pagination").GetProperty("total").GetInt32());
        Assert.Equal(1, (await s.Tenant.DelegationAsync(s.Delegation, "summary")).GetProperty("pending_approvals").GetInt32());

        // Only the grantor (or an admin key) decides; the grantee cannot approve its own deal.
        var (self, selfBody) = await s.Agent.Http.SendJsonAsync(HttpMethod.Post, $"/v1/delegations?id={s.Delegation}&action=approve",
            $$"""{"deal_id":"{{deal}}"}""");
        Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        Assert.Equal("authorization_error.delegation_not_grantor", selfBody.Code());
        var (missing, missingBody) = await s.Tenant.SendAsync(HttpMethod.Post, $"/v1/delegations?id={s.Delegation}&action=approve", "{}");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("required", missingBody.FieldCode("deal_id"));

        var keyed = new Dictionary<string, string> { ["Idempotency-Key"] = "approve-" + deal };
        var approveBody = $$"""{"deal_id":"{{deal}}","note":"Approved after budget review"}""";
        var (approved, approvedBody) = await s.Tenant.Http.SendJsonAsync(HttpMethod.Post, $"/v1/delegations?id={s.Delegation}&action=approve",
            approveBody, keyed);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        // A keyed retry is answered with the same decision, not refused as already decided.
        var (retried, retriedBody) = await s.Tenant.Http.SendJsonAsync(HttpMethod.Post, $"/v1/delegations?id={s.Delegation}&action=approve",
            approveBody, keyed);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal("approved", retriedBody.GetProperty("data").GetProperty("approval").Str("status"));
        var approval = approvedBody.GetProperty("data").GetProperty("approval");
        Assert.Equal("approved", approval.Str("status"));
        Assert.Equal("Approved after budget review", approval.Str("note"));
        Assert.Single(await s.Tenant.EventsAsync("agent.approval_approved"));
        var (twice, twiceBody) = await s.Tenant.SendAsync(HttpMethod.Post, $"/v1/delegations?id={s.Delegation}&action=reject",
            $$"""{"deal_id":"{{deal}}"}""");
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.Equal("conflict.approval_decided", twiceBody.Code());

        // The deal learns it through a one-way notice, then moves on; the hold stays reserved.
        await Eventually.Get(() => MoveAsync(s, deal), r => r.Status == HttpStatusCode.OK, TimeSpan.FromSeconds(10), "the approved deal to move");
        Assert.Equal("1300.00", (await s.Tenant.DelegationAsync(s.Delegation)).Str("reserved_today"));
        Assert.Equal(0, (await s.Tenant.DelegationAsync(s.Delegation, "summary")).GetProperty("pending_approvals").GetInt32());
    }

    [Fact]
    public async Task A_rejected_approval_releases_the_hold_and_cancels_the_deal()
    {
        var s = await ThresholdAsync();
        var deal = (await DealForAsync(s, 900m)).Body.GetProperty("data").GetProperty("deal").Str("deal_id");
        var (rejected, rejectedBody) = await s.Tenant.SendAsync(HttpMethod.Post, $"/v1/delegations?id={s.Delegation}&action=reject",
            $$"""{"deal_id":"{{deal}}","reason":"Deal value exceeds quarterly budget"}""");
        Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);
        Assert.Equal("rejected", rejectedBody.GetProperty("data").GetProperty("approval").Str("status"));
        Assert.Equal("0.00", (await s.Tenant.DelegationAsync(s.Delegation)).Str("reserved_today"));
        await Eventually.Get(() => DealAsync(s, deal), d => d.GetProperty("deal").Str("status") == "cancelled", TimeSpan.FromSeconds(10),
            "the rejected deal to be cancelled");
        var activity = await s.Tenant.DelegationAsync(s.Delegation, "activity");
        Assert.Equal(["approval_rejected", "approval_requested", "deal_created"],
            activity.GetProperty("events").EnumerateArray().Select(e => e.Str("action_type")).Where(t => t != "deal_cancelled").Take(3));
    }

    [Fact]
    public async Task An_approval_not_decided_within_approval_timeout_expires_at_its_reminder()
    {
        var s = await ThresholdAsync(timeoutHours: 2);
        var deal = (await DealForAsync(s, 700m)).Body.GetProperty("data").GetProperty("deal").Str("deal_id");
        var grain = api.Grains.GetGrain<IDelegationGrain>(DelegationKeys.Grain(s.Tenant.Partition, s.Delegation)).AsReference<IRemindable>();

        // An early tick (a minute before the timeout) changes nothing.
        api.Time.Advance(TimeSpan.FromHours(2) - TimeSpan.FromMinutes(1));
        await grain.ReceiveReminder(DelegationGrain.ApprovalReminder, default);
        Assert.Equal("pending", Assert.Single((await s.Tenant.DelegationAsync(s.Delegation)).GetProperty("approvals").EnumerateArray()).Str("status"));

        api.Time.Advance(TimeSpan.FromMinutes(1));
        await grain.ReceiveReminder(DelegationGrain.ApprovalReminder, default);
        var delegation = await s.Tenant.DelegationAsync(s.Delegation);
        var expired = Assert.Single(delegation.GetProperty("approvals").EnumerateArray());
        Assert.Equal("expired", expired.Str("status"));
        Assert.Equal("0.00", delegation.Str("reserved_today"));
        Assert.Single(await s.Tenant.EventsAsync("agent.approval_expired"));
        await Eventually.Get(() => DealAsync(s, deal), d => d.GetProperty("deal").Str("status") == "cancelled", TimeSpan.FromSeconds(10),
            "the expired deal to be cancelled");
        var (late, lateBody) = await s.Tenant.SendAsync(HttpMethod.Post, $"/v1/delegations?id={s.Delegation}&action=approve",
            $$"""{"deal_id":"{{deal}}"}""");
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("conflict.approval_decided", lateBody.Code());
    }

    [Fact]
    public async Task A_negotiation_offer_above_the_remaining_budget_is_403_DELEGATION_BUDGET_EXCEEDED()
    {
        var tenant = await api.NewTenantAsync();
        var agent = await tenant.AgentAsync("deals:read", "deals:write", "agent:execute", "agent:negotiate");
        var id = (await tenant.Http.DelegateAsync($$"""
            {"grantee_agent_key_id":"{{agent.KeyId}}","allowed_actions":["deals:read","deals:write","agent:negotiate"],
             "max_transaction_amount":1000,"max_daily_amount":1500}
            """)).Str("delegation_id");
        var product = await tenant.ProductAsync("Seat", 100m);
        // 600 reserved today: 900 of the daily cap is left, below the per-transaction 1000.
        var (first, firstBody) = await agent.Http.ConfiguredDealAsync(id, product, 600m);
        Assert.True(first.StatusCode == HttpStatusCode.Created, firstBody.ToString());
        var deal = (await tenant.DealAsync(HttpMethod.Post, "/v1/deals?action=create-configured",
            """{"items":[{"product_id":"PRODUCT","name":"Seat","unit_price":2000,"quantity":1}]}""".Replace("PRODUCT", product),
            expected: HttpStatusCode.Created)).GetProperty("deal").Str("deal_id");
        var url = $"/v1/deal-negotiations?action=propose&deal_id={deal}";

        var (over, overBody) = await agent.Http.SendJsonAsync(HttpMethod.Post, url, """{"proposed_terms":{"discount_percent":10}}""",
            DelegationCalls.Under(id));
        Assert.Equal(HttpStatusCode.Forbidden, over.StatusCode);
        Assert.Equal("DELEGATION_BUDGET_EXCEEDED", overBody.Code());
        Assert.Equal("authorization_error", overBody.Str("category"));
        Assert.Equal(900m, overBody.GetProperty("details").GetProperty("remaining_budget").GetDecimal());
        Assert.Equal(1800m, overBody.GetProperty("details").GetProperty("attempted_amount").GetDecimal());

        // Within it: the offer is made and reserves nothing (only an accepted value is reserved).
        var (within, withinBody) = await agent.Http.SendJsonAsync(HttpMethod.Post, url, """{"proposed_terms":{"discount_percent":60}}""",
            DelegationCalls.Under(id));
        Assert.True(within.StatusCode == HttpStatusCode.Created, withinBody.ToString());
        Assert.Equal("600.00", (await tenant.DelegationAsync(id)).Str("reserved_today"));
    }

    [Fact]
    public async Task Activity_and_analytics_follow_what_was_done_under_the_delegation()
    {
        var s = await ThresholdAsync();
        var first = (await DealForAsync(s, 300m)).Body.GetProperty("data").GetProperty("deal").Str("deal_id");
        var second = (await DealForAsync(s, 200m)).Body.GetProperty("data").GetProperty("deal").Str("deal_id");
        await s.Tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={second}&action=transition&status=cancelled");

        var (response, body) = await s.Tenant.SendAsync(HttpMethod.Get,
            $"/v1/delegations?action=activity&id={s.Delegation}&from_date={WebhookApi.Epoch.UtcDateTime:yyyy-MM-dd}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = body.GetProperty("data").GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(["deal_cancelled", "deal_created", "deal_created"], events.Select(e => e.Str("action_type")));
        Assert.All(events, e => Assert.StartsWith("evt_", e.Str("id")));
        Assert.Equal(second, events[0].Str("entity_id"));
        Assert.Equal("deal", events[0].Str("entity_type"));
        Assert.Equal(200m, events[0].GetProperty("amount").GetDecimal());
        Assert.Equal(3, body.GetProperty("data").GetProperty("pagination").GetProperty("total").GetInt32());
        var created = await s.Tenant.DelegationAsync(s.Delegation, "activity&action_type=deal_created&limit=1");
        Assert.Single(created.GetProperty("events").EnumerateArray());
        Assert.Equal(2, created.GetProperty("pagination").GetProperty("total").GetInt32());
        var (bad, badBody) = await s.Tenant.SendAsync(HttpMethod.Get, $"/v1/delegations?action=activity&id={s.Delegation}&action_type=nope");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("invalid", badBody.FieldCode("action_type"));
        var later = await s.Tenant.DelegationAsync(s.Delegation, $"activity&from_date={WebhookApi.Epoch.AddDays(1).UtcDateTime:yyyy-MM-dd}");
        Assert.Empty(later.GetProperty("events").EnumerateArray());

        var analytics = await s.Tenant.DelegationAsync(s.Delegation, "analytics");
        Assert.Equal(2, analytics.GetProperty("total_deals_created").GetInt32());
        Assert.Equal(0m, analytics.GetProperty("total_spent").GetDecimal());
        Assert.Equal(1, analytics.GetProperty("deals_by_status").GetProperty("pending").GetInt32());
        Assert.Equal(1, analytics.GetProperty("deals_by_status").GetProperty("cancelled").GetInt32());
        var chart = analytics.GetProperty("spending_chart").EnumerateArray().ToList();
        Assert.Equal(30, chart.Count);
        Assert.Equal(api.Time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd"), chart[^1].Str("date"));
        Assert.Equal(0m, analytics.GetProperty("roi_metrics").GetProperty("avg_deal_value").GetDecimal());
        Assert.NotNull(first);
    }
}
