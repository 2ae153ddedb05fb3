using System.Net;
using Tests.Deals;
using Tests.Infrastructure;

namespace Tests.Payments;

/// <summary>Escrow on a card-paid deal: the escrow is held on an authorised manual-capture intent; release captures, refund and expiry cancel.</summary>
public sealed class EscrowPaymentTests(PaymentsApi api) : IClassFixture<PaymentsApi>
{
    /// <summary>A signed deal (108.90) whose customer authorised a manual-capture card payment; returns the deal and the intent.</summary>
    private async Task<(TestTenant Tenant, string Deal, string Intent)> AuthorisedDealAsync()
    {
        var tenant = await api.PayingTenantAsync();
        var (deal, _) = await tenant.DealPendingPaymentAsync();
        var intent = (await tenant.IntentAsync(deal, ",\"capture_method\":\"manual\"")).Str("payment_intent_id");
        var (held, heldBody) = await api.StripeEventAsync("payment_intent.amount_capturable_updated", api.Stripe.Authorize(intent));
        Assert.True(held.StatusCode == HttpStatusCode.OK, heldBody.ToString());
        return (tenant, deal, intent);
    }

    [Fact]
    public async Task Releasing_an_escrow_held_on_a_card_captures_it_and_closes_the_deal()
    {
        var (tenant, deal, intent) = await AuthorisedDealAsync();
        var authorisedAt = api.Time.GetUtcNow();
        var swaps = new Dictionary<string, string> { ["deal_xxxxx"] = deal };
        var http = api.CreateClient();

        // The document's example asks for 14 days: the escrow keeps them (the 7-day card hold is renewed on the way).
        var (created, createdBody) = await DocCurl.RunAsync(http, tenant.Key, DocSnippets.Escrow, swaps);
        Assert.True(created.StatusCode == HttpStatusCode.Created, createdBody.ToString());
        var escrow = createdBody.GetProperty("data").GetProperty("escrow");
        Assert.Equal(intent, escrow.Str("payment_intent_id"));
        Assert.Equal(authorisedAt.AddDays(14), escrow.GetProperty("expires_at").GetDateTimeOffset());

        // The hold is the escrow's: capturing it directly is refused.
        var (direct, directBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/payments?action=capture",
            $$"""{"deal_id":"{{deal}}","payment_intent_id":"{{intent}}"}""");
        Assert.Equal(HttpStatusCode.Conflict, direct.StatusCode);
        Assert.Equal("conflict.escrow_held", directBody.Code());

        foreach (var condition in escrow.GetProperty("conditions").EnumerateArray())
        {
            await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=fulfill_condition", $$"""{"condition_id":"{{condition.Str("id")}}"}""");
        }
        var released = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=release_escrow");
        Assert.Equal("closed", released.GetProperty("deal").Str("status"));
        Assert.Equal("succeeded", (string)api.Stripe.Get(intent)["status"]!);
        Assert.Equal(10890L, (long)api.Stripe.Get(intent)["amount_received"]!);

        var view = await tenant.PaymentsAsync(deal);
        Assert.Equal("succeeded", view.Str("payment_status"));
        Assert.Equal(108.90m, view.Dec("amount_paid"));
        Assert.Equal("108.90", Assert.Single(await tenant.EventsAsync("deal.payment_received", deal)).GetProperty("data").Str("amount"));
        // Stripe's succeeded event for the capture adds nothing.
        var (late, lateBody) = await api.StripeEventAsync("payment_intent.succeeded", api.Stripe.Get(intent));
        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        Assert.False(lateBody.GetProperty("data").GetProperty("handled").GetBoolean());
    }

    [Fact]
    public async Task Refunding_an_escrow_held_on_a_card_cancels_the_hold()
    {
        var (tenant, deal, intent) = await AuthorisedDealAsync();
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=escrow", """{"conditions":[{"type":"approval"}]}""",
            expected: HttpStatusCode.Created);

        var refunded = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=refund_escrow", """{"reason":"condition_failed"}""");
        Assert.Equal("refunded", refunded.GetProperty("escrow").Str("status"));
        Assert.Equal("pending_payment", refunded.GetProperty("deal").Str("status"));
        Assert.Equal("canceled", (string)api.Stripe.Get(intent)["status"]!);
        var view = await tenant.PaymentsAsync(deal);
        Assert.Equal("canceled", view.GetProperty("payment_intents")[0].Str("status"));
        Assert.Equal(0m, view.Dec("amount_paid"));
        Assert.Empty(await tenant.EventsAsync("deal.payment_received", deal));
    }

    [Fact]
    public async Task An_escrow_whose_card_hold_cannot_be_renewed_expires_with_the_hold_and_cancels_it()
    {
        // Authorised in Stripe.js without saving the card: nothing to renew the hold with.
        var (tenant, deal, intent) = await AuthorisedDealAsync();
        var lapse = api.Time.GetUtcNow().AddDays(7);
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=escrow", """{"conditions":[{"type":"approval"}],"expires_in":2592000}""",
            expected: HttpStatusCode.Created);

        api.Time.Advance(TimeSpan.FromDays(6));
        await api.TickAsync(tenant, deal);
        Assert.Single(await tenant.EventsAsync("escrow.reauthorization_pending", deal));
        var failed = Assert.Single(await tenant.EventsAsync("escrow.reauthorization_failed", deal)).GetProperty("data");
        Assert.Contains("saved", failed.Str("reason"));
        Assert.Equal(lapse, failed.GetProperty("expires_at").GetDateTimeOffset());
        Assert.Equal("pending_payment", await tenant.DealStatusAsync(deal));

        api.Time.Advance(TimeSpan.FromDays(1));
        await api.TickAsync(tenant, deal);
        Assert.Equal("expired", await tenant.DealStatusAsync(deal));
        Assert.Equal("canceled", (string)api.Stripe.Get(intent)["status"]!);
        Assert.Equal("expired", Assert.Single(await tenant.EventsAsync("escrow.refunded", deal)).GetProperty("data").Str("reason"));
    }

    [Fact]
    public async Task An_escrow_without_a_card_hold_stays_a_ledger_hold()
    {
        var tenant = await api.PayingTenantAsync();
        var (deal, _) = await tenant.DealPendingPaymentAsync();
        var created = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=escrow", """{"conditions":[{"type":"approval"}]}""",
            expected: HttpStatusCode.Created);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, created.GetProperty("escrow").GetProperty("payment_intent_id").ValueKind);
        Assert.Equal(api.Time.GetUtcNow().AddSeconds(604_800), created.GetProperty("escrow").GetProperty("expires_at").GetDateTimeOffset());
    }
}
