using System.Net;
using Grains.Deals;
using Grains.Interfaces.Deals;
using Microsoft.Extensions.DependencyInjection;
using Tests.Deals;
using Tests.Infrastructure;

namespace Tests.Payments;

/// <summary>
/// The payment events besides <c>deal.payment_*</c>: <c>payment.received</c> with every payment,
/// <c>portal.payment_completed</c> when the customer paid on the payment page, and <c>deal.payment_overdue</c> once a
/// deal has waited in <c>pending_payment</c> past its due time (net 30 by default) with a balance due.
/// </summary>
public sealed class PaymentEventTests(PaymentsApi api) : IClassFixture<PaymentsApi>
{
    private static readonly TimeSpan Net30 = TimeSpan.FromDays(30);

    [Fact]
    public async Task A_manual_payment_emits_payment_received_and_no_portal_event()
    {
        var tenant = await api.PayingTenantAsync();
        var deal = await tenant.DealToPayAsync(250m);

        var (recorded, body) = await tenant.SendAsync(HttpMethod.Post, "/v1/payments?action=record-manual",
            $$"""{"deal_id":"{{deal}}","amount":100.00,"method":"bank_transfer","reference":"TXN-42"}""");
        Assert.True(recorded.StatusCode == HttpStatusCode.Created, body.ToString());

        var received = Assert.Single(await tenant.EventsAsync("payment.received", deal)).GetProperty("data");
        Assert.Equal("100.00", received.Str("amount"));
        Assert.Equal("bank_transfer", received.Str("method"));
        Assert.Equal("TXN-42", received.Str("reference"));
        Assert.Equal("150.00", received.Str("balance_due"));
        Assert.StartsWith("payh_", received.Str("payment_id"));
        Assert.Single(await tenant.EventsAsync("deal.payment_received", deal));
        Assert.Empty(await tenant.EventsAsync("portal.payment_completed", deal));
    }

    [Fact]
    public async Task Paying_on_the_checkout_page_emits_portal_payment_completed()
    {
        var tenant = await api.PayingTenantAsync();
        var deal = await tenant.DealToPayAsync(80m);
        var (linked, linkedBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/payments?action=generate-link", $$"""{"deal_id":"{{deal}}"}""");
        Assert.True(linked.StatusCode == HttpStatusCode.OK, linkedBody.ToString());
        var session = linkedBody.GetProperty("data").Str("checkout_session_id");

        var paid = api.Stripe.CompleteCheckout(session);
        var (handled, handledBody) = await api.StripeEventAsync("payment_intent.succeeded", paid);
        Assert.True(handled.StatusCode == HttpStatusCode.OK, handledBody.ToString());

        var portal = Assert.Single(await tenant.EventsAsync("portal.payment_completed", deal)).GetProperty("data");
        Assert.Equal(session, portal.Str("checkout_session_id"));
        Assert.Equal((string)paid["id"]!, portal.Str("payment_intent_id"));
        Assert.Equal("80.00", portal.Str("amount"));
        Assert.Equal("card", Assert.Single(await tenant.EventsAsync("payment.received", deal)).GetProperty("data").Str("method"));
    }

    [Fact]
    public async Task A_deal_waiting_for_payment_past_its_due_time_emits_payment_overdue_once()
    {
        var tenant = await api.PayingTenantAsync();
        var (deal, _) = await tenant.DealPendingPaymentAsync();
        // Entering pending_payment armed the deal's reminder for the due time.
        Assert.NotNull(await ReminderAsync(tenant, deal));

        api.Time.Advance(Net30 - TimeSpan.FromMinutes(1));
        await api.TickAsync(tenant, deal);
        Assert.Empty(await tenant.EventsAsync("deal.payment_overdue", deal));

        api.Time.Advance(TimeSpan.FromMinutes(1));
        await api.TickAsync(tenant, deal);
        var overdue = Assert.Single(await tenant.EventsAsync("deal.payment_overdue", deal)).GetProperty("data");
        Assert.Equal("108.90", overdue.Str("amount_due"));
        Assert.Equal("pending_payment", await tenant.DealStatusAsync(deal));
        // Reported once: nothing more is due, so the reminder is gone and another tick adds nothing.
        Assert.Null(await ReminderAsync(tenant, deal));
        api.Time.Advance(Net30);
        await api.TickAsync(tenant, deal);
        Assert.Single(await tenant.EventsAsync("deal.payment_overdue", deal));
    }

    [Fact]
    public async Task A_deal_paid_before_its_due_time_is_never_overdue()
    {
        var tenant = await api.PayingTenantAsync();
        var deal = await tenant.DealToPayAsync(100m, deposit: 30m);
        // The deposit moves the deal to pending_payment: the rest falls due in 30 days.
        await tenant.SendAsync(HttpMethod.Post, "/v1/payments?action=record-manual", $$"""{"deal_id":"{{deal}}","amount":30.00,"method":"cash"}""");
        Assert.Equal("pending_payment", await tenant.DealStatusAsync(deal));

        api.Time.Advance(TimeSpan.FromDays(10));
        var (rest, restBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/payments?action=record-manual",
            $$"""{"deal_id":"{{deal}}","amount":70.00,"method":"cash"}""");
        Assert.True(rest.StatusCode == HttpStatusCode.Created, restBody.ToString());
        Assert.Equal("closed", await tenant.DealStatusAsync(deal));
        Assert.Null(await ReminderAsync(tenant, deal));

        api.Time.Advance(Net30);
        await api.TickAsync(tenant, deal);
        Assert.Empty(await tenant.EventsAsync("deal.payment_overdue", deal));
    }

    private Task<ReminderEntry?> ReminderAsync(TestTenant tenant, string deal)
    {
        var grainId = api.Grains.GetGrain<IDealGrain>(DealKeys.Grain(tenant.Partition, deal)).GetGrainId();
        return api.Services.GetRequiredService<IReminderTable>().ReadRow(grainId, DealGrain.DeadlineReminder)!;
    }
}
