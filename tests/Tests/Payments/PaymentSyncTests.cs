using System.Net;
using Tests.Deals;
using Tests.Infrastructure;

namespace Tests.Payments;

/// <summary>Confirm, poll-intent and generate-link (Checkout) as documented, against the fake Stripe.</summary>
public sealed class PaymentSyncTests(PaymentsApi api) : IClassFixture<PaymentsApi>
{
    [Fact]
    public async Task Confirm_records_a_decline_then_a_success_as_documented()
    {
        var tenant = await api.PayingTenantAsync();
        var deal = await tenant.DealToPayAsync(75m);
        var intentId = (await tenant.IntentAsync(deal)).Str("payment_intent_id");
        var swaps = new Dictionary<string, string> { ["deal_xxxxx"] = deal, ["pi_xxxxx"] = intentId };
        var http = api.CreateClient();

        // No payment method yet: Stripe refuses, nothing is recorded.
        var (early, earlyBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.Confirm, swaps);
        Assert.Equal(HttpStatusCode.BadRequest, early.StatusCode);
        Assert.Equal("validation_error.payment_provider_rejected", earlyBody.Code());

        api.Stripe.AttachPaymentMethod(intentId, "pm_card_chargeDeclined");
        var (declined, declinedBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.Confirm, swaps);
        Assert.True(declined.StatusCode == HttpStatusCode.OK, declinedBody.ToString());
        Assert.Equal("requires_payment_method", declinedBody.GetProperty("data").Str("status"));
        Assert.Equal("Your card was declined.", declinedBody.GetProperty("data").Str("last_payment_error"));
        Assert.Equal("failed", declinedBody.GetProperty("data").Str("payment_status"));
        Assert.Single(await tenant.EventsAsync("deal.payment_failed", deal));

        api.Stripe.AttachPaymentMethod(intentId, "pm_card_visa");
        var (confirmed, confirmedBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.Confirm, swaps);
        Assert.True(confirmed.StatusCode == HttpStatusCode.OK, confirmedBody.ToString());
        Assert.Equal("succeeded", confirmedBody.GetProperty("data").Str("status"));
        Assert.Equal("closed", confirmedBody.GetProperty("data").Str("deal_status"));

        // Stripe's webhook for the same payment arrives after: recorded already.
        var (late, lateBody) = await api.StripeEventAsync("payment_intent.succeeded", api.Stripe.Get(intentId));
        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        Assert.False(lateBody.GetProperty("data").GetProperty("handled").GetBoolean());
        Assert.Single(await tenant.EventsAsync("deal.payment_received", deal));
    }

    [Fact]
    public async Task Polling_finds_a_payment_whose_webhook_never_came_and_only_for_the_owner()
    {
        var tenant = await api.PayingTenantAsync();
        var deal = await tenant.DealToPayAsync(42m);
        var intentId = (await tenant.IntentAsync(deal)).Str("payment_intent_id");
        var swaps = new Dictionary<string, string> { ["pi_xxxxx"] = intentId };
        var http = api.CreateClient();

        var (open, openBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.PollIntent, swaps);
        Assert.True(open.StatusCode == HttpStatusCode.OK, openBody.ToString());
        Assert.Equal("requires_payment_method", openBody.GetProperty("data").Str("status"));
        Assert.Equal("in_progress", await tenant.DealStatusAsync(deal));

        api.Stripe.Succeed(intentId);
        var (polled, polledBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.PollIntent, swaps);
        Assert.True(polled.StatusCode == HttpStatusCode.OK, polledBody.ToString());
        var data = polledBody.GetProperty("data");
        Assert.Equal(intentId, data.Str("payment_intent_id"));
        Assert.Equal("succeeded", data.Str("status"));
        Assert.Equal("42.00", data.GetProperty("amount").GetRawText());
        Assert.Equal("42.00", data.GetProperty("amount_received").GetRawText());
        Assert.Equal("usd", data.Str("currency"));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, data.GetProperty("last_payment_error").ValueKind);
        Assert.Equal("closed", await tenant.DealStatusAsync(deal));

        // Polling again, or the late webhook, adds nothing.
        await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.PollIntent, swaps);
        await api.StripeEventAsync("payment_intent.succeeded", api.Stripe.Get(intentId));
        Assert.Single(await tenant.EventsAsync("deal.payment_received", deal));

        var stranger = await api.PayingTenantAsync();
        var (foreign, _) = await DocCurl.RunAsync(http, stranger.Key, PaymentDocSnippets.PollIntent, swaps);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
    }

    [Fact]
    public async Task A_payment_link_is_a_Checkout_Session_whose_payment_closes_the_deal()
    {
        var tenant = await api.PayingTenantAsync();
        var deal = await tenant.DealToPayAsync(1099m);
        var http = api.CreateClient();

        var (linked, linkedBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.GenerateLink,
            new Dictionary<string, string> { ["deal_abc123"] = deal });
        Assert.True(linked.StatusCode == HttpStatusCode.OK, linkedBody.ToString());
        var data = linkedBody.GetProperty("data");
        var sessionId = data.Str("checkout_session_id");
        Assert.StartsWith("cs_", sessionId);
        Assert.Equal($"https://checkout.stripe.com/pay/{sessionId}", data.Str("payment_link"));
        Assert.Equal("1099.00", data.GetProperty("amount").GetRawText());
        Assert.Equal("usd", data.Str("currency"));
        Assert.True(data.GetProperty("expires_at").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        var session = api.Stripe.Get(sessionId);
        Assert.Equal(109900L, (long)session["amount_total"]!);

        var paid = api.Stripe.CompleteCheckout(sessionId);
        var (received, receivedBody) = await api.StripeEventAsync("payment_intent.succeeded", paid);
        Assert.True(received.StatusCode == HttpStatusCode.OK, receivedBody.ToString());
        Assert.True(receivedBody.GetProperty("data").GetProperty("handled").GetBoolean());
        Assert.Equal("closed", await tenant.DealStatusAsync(deal));
        var view = await tenant.PaymentsAsync(deal);
        Assert.Equal((string)paid["id"]!, view.GetProperty("payment_intents")[0].Str("payment_intent_id"));
        Assert.Equal(["checkout_created", "payment_received"], view.GetProperty("history").EnumerateArray().Select(h => h.Str("type")));

        // The intent is the deal's now: a refund of it works like any other.
        var (refund, refundBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/payments?action=refund", $$"""{"deal_id":"{{deal}}","amount":99.00}""");
        Assert.True(refund.StatusCode == HttpStatusCode.OK, refundBody.ToString());
    }
}
