using System.Net;
using System.Text.Json;
using Tests.Deals;
using Tests.Infrastructure;

namespace Tests.Payments;

/// <summary>
/// An escrow held on a card and meant to last longer than Stripe keeps the authorisation (7 days): a day before the
/// hold lapses the customer's saved card is authorised again off-session, the escrow moves to the new hold and the old
/// one is let go; a decline leaves the escrow to expire with the old hold.
/// </summary>
public sealed class EscrowReauthorizationTests(PaymentsApi api) : IClassFixture<PaymentsApi>
{
    /// <summary>A signed deal (108.90) whose customer authorised a manual-capture payment with a card saved for later, under a 14-day escrow.</summary>
    private async Task<(TestTenant Tenant, string Deal, string Intent)> EscrowOnSavedCardAsync()
    {
        var tenant = await api.PayingTenantAsync();
        var (deal, _) = await tenant.DealPendingPaymentAsync();
        var intent = (await tenant.IntentAsync(deal, ",\"capture_method\":\"manual\"")).Str("payment_intent_id");
        api.Stripe.AttachPaymentMethod(intent, "pm_card_visa");
        var (confirmed, confirmedBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/payments?action=confirm",
            $$"""{"deal_id":"{{deal}}","payment_intent_id":"{{intent}}"}""");
        Assert.True(confirmed.StatusCode == HttpStatusCode.OK, confirmedBody.ToString());
        Assert.Equal("requires_capture", (string)api.Stripe.Get(intent)["status"]!);
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=escrow", """{"conditions":[{"type":"approval"}],"expires_in":1209600}""",
            expected: HttpStatusCode.Created);
        return (tenant, deal, intent);
    }

    private static async Task<JsonElement> EscrowAsync(TestTenant tenant, string deal)
    {
        var (_, body) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={deal}&action=escrow");
        return body.GetProperty("data").GetProperty("escrow");
    }

    [Fact]
    public async Task The_card_hold_is_renewed_a_day_before_it_lapses_until_the_escrow_is_released()
    {
        var (tenant, deal, first) = await EscrowOnSavedCardAsync();
        var customer = (string)api.Stripe.Get(first)["customer"]!;

        api.Time.Advance(TimeSpan.FromDays(6) - TimeSpan.FromMinutes(1));
        await api.TickAsync(tenant, deal);
        Assert.Empty(await tenant.EventsAsync("escrow.reauthorization_pending", deal));
        Assert.Equal(first, (await EscrowAsync(tenant, deal)).Str("payment_intent_id"));

        api.Time.Advance(TimeSpan.FromMinutes(1));
        await api.TickAsync(tenant, deal);
        var renewed = Assert.Single(await tenant.EventsAsync("escrow.reauthorized", deal)).GetProperty("data");
        Assert.Equal(first, renewed.Str("previous_payment_intent_id"));
        var second = renewed.Str("payment_intent_id");
        Assert.NotEqual(first, second);
        Assert.Equal(second, (await EscrowAsync(tenant, deal)).Str("payment_intent_id"));
        var hold = api.Stripe.Get(second);
        Assert.Equal("requires_capture", (string)hold["status"]!);
        Assert.Equal("manual", (string)hold["capture_method"]!);
        Assert.Equal(customer, (string)hold["customer"]!);
        Assert.Equal(10890L, (long)hold["amount"]!);
        Assert.Equal("canceled", (string)api.Stripe.Get(first)["status"]!);
        // The same tick again (a redelivered reminder) renews nothing more.
        await api.TickAsync(tenant, deal);
        Assert.Single(await tenant.EventsAsync("escrow.reauthorized", deal));

        // Six days on, the second hold is renewed in turn; the escrow still ends when it was asked to.
        api.Time.Advance(TimeSpan.FromDays(6));
        await api.TickAsync(tenant, deal);
        var third = (await tenant.EventsAsync("escrow.reauthorized", deal))[^1].GetProperty("data").Str("payment_intent_id");
        Assert.Equal(2, (await tenant.EventsAsync("escrow.reauthorized", deal)).Count);
        Assert.Equal("pending_payment", await tenant.DealStatusAsync(deal));

        var escrow = await EscrowAsync(tenant, deal);
        foreach (var condition in escrow.GetProperty("conditions").EnumerateArray())
        {
            await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=fulfill_condition", $$"""{"condition_id":"{{condition.Str("id")}}"}""");
        }
        var released = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=release_escrow");
        Assert.Equal("closed", released.GetProperty("deal").Str("status"));
        Assert.Equal("succeeded", (string)api.Stripe.Get(third)["status"]!);
        Assert.Equal(108.90m, (await tenant.PaymentsAsync(deal)).Dec("amount_paid"));
    }

    [Fact]
    public async Task A_declined_renewal_leaves_the_escrow_to_expire_with_the_old_hold()
    {
        var (tenant, deal, first) = await EscrowOnSavedCardAsync();
        var lapse = api.Time.GetUtcNow().AddDays(7);
        api.Stripe.DeclineCustomer((string)api.Stripe.Get(first)["customer"]!);

        api.Time.Advance(TimeSpan.FromDays(6));
        await api.TickAsync(tenant, deal);
        var failed = Assert.Single(await tenant.EventsAsync("escrow.reauthorization_failed", deal)).GetProperty("data");
        Assert.Contains("declined", failed.Str("reason"));
        Assert.Equal(lapse, (await EscrowAsync(tenant, deal)).GetProperty("expires_at").GetDateTimeOffset());
        Assert.Equal(first, (await EscrowAsync(tenant, deal)).Str("payment_intent_id"));
        Assert.Equal("requires_capture", (string)api.Stripe.Get(first)["status"]!);

        api.Time.Advance(TimeSpan.FromDays(1));
        await api.TickAsync(tenant, deal);
        Assert.Equal("expired", await tenant.DealStatusAsync(deal));
        Assert.Equal("canceled", (string)api.Stripe.Get(first)["status"]!);
        Assert.Empty(await tenant.EventsAsync("escrow.reauthorized", deal));
    }
}
