using System.Net;
using Tests.Deals;
using Tests.Infrastructure;

namespace Tests.Payments;

/// <summary>
/// <c>charge-saved-method</c>: a card the customer paid with (on an intent made for its Stripe Customer, saved for
/// off-session use) is charged for its next deal without the customer, as the document's example does it.
/// </summary>
public sealed class SavedMethodChargeTests(PaymentsApi api) : IClassFixture<PaymentsApi>
{
    [Fact]
    public async Task The_card_a_customer_paid_with_pays_its_next_deal_off_session_once_and_a_decline_is_recorded()
    {
        var tenant = await api.PayingTenantAsync();
        var customer = await tenant.CustomerAsync($"{Guid.NewGuid():N}@example.com");
        var first = await tenant.DealToPayAsync(80m, customer: customer);
        var http = api.CreateClient();

        // No card yet: nothing to charge.
        var (none, noneBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.ChargeSavedMethod,
            new Dictionary<string, string> { ["deal_abc123"] = first, ["cust_xyz789"] = customer });
        Assert.Equal(HttpStatusCode.Conflict, none.StatusCode);
        Assert.Equal("conflict.no_saved_payment_method", noneBody.Code());

        // The customer pays the first deal by card: the intent is its Stripe Customer's, the card saved for off-session use.
        var intentId = (await tenant.IntentAsync(first)).Str("payment_intent_id");
        var intent = api.Stripe.Get(intentId);
        Assert.StartsWith("cus_", (string)intent["customer"]!);
        Assert.Equal("off_session", (string?)intent["setup_future_usage"]);
        api.Stripe.AttachPaymentMethod(intentId, "pm_card_visa");
        await tenant.SendAsync(HttpMethod.Post, "/v1/payments?action=confirm", $$"""{"deal_id":"{{first}}","payment_intent_id":"{{intentId}}"}""");
        Assert.Equal("closed", await tenant.DealStatusAsync(first));

        // Its next deal: charged off-session with the saved card, exactly as the document's example.
        var second = await tenant.DealToPayAsync(45.5m, customer: customer);
        var swaps = new Dictionary<string, string> { ["deal_abc123"] = second, ["cust_xyz789"] = customer };
        var created = api.Stripe.IntentsCreated;
        var keyed = api.CreateClient();
        keyed.DefaultRequestHeaders.Add("Idempotency-Key", "charge-saved-0001");
        var (charged, chargedBody) = await DocCurl.RunAsync(keyed, tenant.Key, PaymentDocSnippets.ChargeSavedMethod, swaps);
        Assert.True(charged.StatusCode == HttpStatusCode.OK, chargedBody.ToString());
        var data = chargedBody.GetProperty("data");
        Assert.Equal("succeeded", data.Str("payment_status"));
        Assert.Equal("closed", data.Str("deal_status"));
        Assert.Equal(45.50m, data.Dec("amount"));
        Assert.Equal(0m, data.Dec("balance_due"));
        var offSession = api.Stripe.Get(data.Str("payment_intent_id"));
        Assert.Equal((string)intent["customer"]!, (string)offSession["customer"]!);
        Assert.StartsWith("pm_card_visa_", (string)offSession["payment_method"]!);
        Assert.Equal("45.50", Assert.Single(await tenant.EventsAsync("deal.payment_received", second)).GetProperty("data").Str("amount"));

        // A retry under the same key is the first answer, not a second charge.
        var (retried, retriedBody) = await DocCurl.RunAsync(keyed, tenant.Key, PaymentDocSnippets.ChargeSavedMethod, swaps);
        Assert.Equal("true", retried.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(data.Str("payment_intent_id"), retriedBody.GetProperty("data").Str("payment_intent_id"));
        Assert.Equal(1, api.Stripe.IntentsCreated - created);

        // Another customer's card is not this deal's to use; a declined card is recorded, the deal unpaid.
        var third = await tenant.DealToPayAsync(20m, customer: customer);
        var stranger = await tenant.CustomerAsync($"{Guid.NewGuid():N}@example.com");
        var (wrong, wrongBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/payments?action=charge-saved-method",
            $$"""{"deal_id":"{{third}}","customer_id":"{{stranger}}"}""");
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Equal("not_deal_customer", wrongBody.FieldCode("customer_id"));
        var (declined, declinedBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/payments/charge-saved-method",
            $$"""{"deal_id":"{{third}}","customer_id":"{{customer}}","payment_method_id":"pm_card_chargeDeclined"}""");
        Assert.True(declined.StatusCode == HttpStatusCode.OK, declinedBody.ToString());
        Assert.Equal("requires_payment_method", declinedBody.GetProperty("data").Str("payment_status"));
        Assert.Equal("Your card was declined.", declinedBody.GetProperty("data").Str("failure_message"));
        Assert.Equal("in_progress", await tenant.DealStatusAsync(third));
        Assert.Single(await tenant.EventsAsync("deal.payment_failed", third));
    }
}
