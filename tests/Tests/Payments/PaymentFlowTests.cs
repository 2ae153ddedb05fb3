using System.Net;
using Tests.Deals;
using Tests.Infrastructure;

namespace Tests.Payments;

/// <summary>
/// §First Integration through HTTP against a local fake Stripe: product → customer → deal → item → in_progress →
/// payment intent → signed Stripe event → closed; and what the Stripe webhook refuses or ignores.
/// </summary>
public sealed class PaymentFlowTests(PaymentsApi api) : IClassFixture<PaymentsApi>
{
    [Fact]
    public async Task The_first_integration_runs_as_written_and_a_signed_succeeded_event_closes_the_deal()
    {
        var tenant = await api.PayingTenantAsync();
        var http = api.CreateClient();
        var swaps = new Dictionary<string, string>();

        var (product, productBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.CreateProduct, swaps);
        Assert.True(product.StatusCode == HttpStatusCode.Created, productBody.ToString());
        swaps["prod_xxxxx"] = productBody.GetProperty("data").GetProperty("product").Str("id");
        var (customer, customerBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.CreateCustomer, swaps);
        Assert.True(customer.StatusCode == HttpStatusCode.Created, customerBody.ToString());
        swaps["cust_xxxxx"] = customerBody.GetProperty("data").GetProperty("customer").Str("id");
        var (deal, dealBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.CreateDeal, swaps);
        Assert.True(deal.StatusCode == HttpStatusCode.Created, dealBody.ToString());
        var dealId = dealBody.GetProperty("data").GetProperty("deal").Str("deal_id");
        swaps["deal_xxxxx"] = dealId;
        var (item, itemBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.AddItem, swaps);
        Assert.True(item.StatusCode == HttpStatusCode.OK, itemBody.ToString());
        var (moved, movedBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.ToInProgress, swaps);
        Assert.True(moved.StatusCode == HttpStatusCode.OK, movedBody.ToString());

        var (intent, intentBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.CollectPayment, swaps);
        Assert.True(intent.StatusCode == HttpStatusCode.OK, intentBody.ToString());
        var data = intentBody.GetProperty("data");
        var intentId = data.Str("payment_intent_id");
        Assert.StartsWith("pi_", intentId);
        Assert.StartsWith($"{intentId}_secret_", data.Str("client_secret"));
        Assert.Equal("108.90", data.GetProperty("amount").GetRawText());
        Assert.Equal("usd", data.Str("currency"));
        // What Stripe was asked for: minor units, lowercase currency, the deal named in the metadata.
        var atStripe = api.Stripe.Get(intentId);
        Assert.Equal(10890L, (long)atStripe["amount"]!);
        Assert.Equal("usd", (string)atStripe["currency"]!);
        Assert.Equal(dealId, (string)atStripe["metadata"]!["deal_id"]!);
        Assert.Equal("in_progress", await tenant.DealStatusAsync(dealId));

        var paid = api.Stripe.Succeed(intentId);
        var (received, receivedBody) = await api.StripeEventAsync("payment_intent.succeeded", paid, eventId: "evt_first_integration_0001");
        Assert.True(received.StatusCode == HttpStatusCode.OK, receivedBody.ToString());
        Assert.True(receivedBody.GetProperty("data").GetProperty("handled").GetBoolean());
        Assert.Equal("closed", await tenant.DealStatusAsync(dealId));

        var payment = Assert.Single(await tenant.EventsAsync("deal.payment_received", dealId)).GetProperty("data");
        Assert.Equal("108.90", payment.Str("amount"));
        Assert.Equal("USD", payment.Str("currency"));
        Assert.Equal(intentId, payment.Str("payment_intent_id"));
        Assert.Equal("succeeded", payment.Str("status"));
        Assert.Single(await tenant.EventsAsync("deal.closed", dealId));

        var (status, statusBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.Status,
            new Dictionary<string, string> { ["deal_abc123"] = dealId });
        Assert.True(status.StatusCode == HttpStatusCode.OK, statusBody.ToString());
        var view = statusBody.GetProperty("data");
        Assert.Equal("succeeded", view.Str("payment_status"));
        Assert.Equal("closed", view.Str("deal_status"));
        Assert.Equal(108.90m, view.Dec("amount_paid"));
        Assert.Equal(0m, view.Dec("balance_due"));
        Assert.Equal(["intent_created", "payment_received"], view.GetProperty("history").EnumerateArray().Select(h => h.Str("type")));
        Assert.Equal("succeeded", view.GetProperty("payment_intents")[0].Str("status"));

        // Stripe redelivers the same event: acknowledged, nothing changes.
        var version = (await tenant.DealAsync(HttpMethod.Get, $"/v1/deals?id={dealId}")).GetProperty("deal").GetProperty("version").GetInt64();
        var (again, againBody) = await api.StripeEventAsync("payment_intent.succeeded", paid, eventId: "evt_first_integration_0001");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.False(againBody.GetProperty("data").GetProperty("handled").GetBoolean());
        // A second event id with the same facts changes nothing either (the amounts are already recorded).
        var (same, sameBody) = await api.StripeEventAsync("payment_intent.succeeded", paid);
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        Assert.False(sameBody.GetProperty("data").GetProperty("handled").GetBoolean());
        Assert.Single(await tenant.EventsAsync("deal.payment_received", dealId));
        Assert.Equal(version, (await tenant.DealAsync(HttpMethod.Get, $"/v1/deals?id={dealId}")).GetProperty("deal").GetProperty("version").GetInt64());
        Assert.Equal(2, (await tenant.PaymentsAsync(dealId)).GetProperty("history").GetArrayLength());
    }

    [Fact]
    public async Task Events_with_a_bad_signature_are_refused_with_400_and_change_nothing()
    {
        var tenant = await api.PayingTenantAsync();
        var deal = await tenant.DealToPayAsync(50m);
        var intentId = (await tenant.IntentAsync(deal)).Str("payment_intent_id");
        var paid = api.Stripe.Succeed(intentId);

        var (wrongSecret, wrongBody) = await api.StripeEventAsync("payment_intent.succeeded", paid, secret: "whsec_not_the_endpoint_secret");
        Assert.Equal(HttpStatusCode.BadRequest, wrongSecret.StatusCode);
        Assert.Equal("validation_error.invalid_signature", wrongBody.Code());

        var (stale, staleBody) = await api.StripeEventAsync("payment_intent.succeeded", paid, age: TimeSpan.FromSeconds(301));
        Assert.Equal(HttpStatusCode.BadRequest, stale.StatusCode);
        Assert.Equal("validation_error.invalid_signature", staleBody.Code());

        var (payload, signature) = FakeStripe.Signed("payment_intent.succeeded", paid, PaymentsApi.WebhookSecret, api.Time.GetUtcNow());
        var (tampered, tamperedBody) = await api.PostSignedAsync(payload.Replace("\"amount_received\":5000", "\"amount_received\":9000", StringComparison.Ordinal),
            signature);
        Assert.Equal(HttpStatusCode.BadRequest, tampered.StatusCode);
        Assert.Equal("validation_error.invalid_signature", tamperedBody.Code());

        var (unsigned, unsignedBody) = await api.PostSignedAsync(payload, null);
        Assert.Equal(HttpStatusCode.BadRequest, unsigned.StatusCode);
        Assert.Equal("validation_error.invalid_signature", unsignedBody.Code());

        Assert.Equal("in_progress", await tenant.DealStatusAsync(deal));
        Assert.Empty(await tenant.EventsAsync("deal.payment_received", deal));

        // Within the 300 s tolerance the same event is accepted.
        var (fresh, _) = await api.StripeEventAsync("payment_intent.succeeded", paid, age: TimeSpan.FromSeconds(299));
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.Equal("closed", await tenant.DealStatusAsync(deal));
    }

    [Fact]
    public async Task A_failed_payment_is_reported_and_leaves_the_deal_payable()
    {
        var tenant = await api.PayingTenantAsync();
        var deal = await tenant.DealToPayAsync(80m);
        var intentId = (await tenant.IntentAsync(deal)).Str("payment_intent_id");

        var (failed, failedBody) = await api.StripeEventAsync("payment_intent.payment_failed", api.Stripe.Fail(intentId, "Your card was declined."));
        Assert.True(failed.StatusCode == HttpStatusCode.OK, failedBody.ToString());
        var evt = Assert.Single(await tenant.EventsAsync("deal.payment_failed", deal)).GetProperty("data");
        Assert.Equal("80.00", evt.Str("amount"));
        Assert.Equal("Your card was declined.", evt.Str("failure_message"));
        var view = await tenant.PaymentsAsync(deal);
        Assert.Equal("failed", view.Str("payment_status"));
        Assert.Equal("in_progress", view.Str("deal_status"));

        // The customer retries with another card on the same intent: paid, closed.
        await api.PaidAsync(intentId);
        Assert.Equal("closed", await tenant.DealStatusAsync(deal));
    }

    [Fact]
    public async Task Events_for_intents_the_deal_did_not_make_are_acknowledged_and_ignored()
    {
        var tenant = await api.PayingTenantAsync();
        var other = await api.PayingTenantAsync();
        var deal = await tenant.DealToPayAsync(40m);
        var otherDeal = await other.DealToPayAsync(40m);
        var otherIntent = (await other.IntentAsync(otherDeal)).Str("payment_intent_id");

        // An intent whose metadata names this tenant's deal, but that the deal never created.
        var forged = api.Stripe.Succeed(otherIntent);
        forged["id"] = "pi_forged000000000000000001";
        forged["metadata"]!["salesbooth_deal"] = $"{tenant.Partition}/{deal}";
        var (response, body) = await api.StripeEventAsync("payment_intent.succeeded", forged);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(body.GetProperty("data").GetProperty("handled").GetBoolean());
        Assert.Equal("in_progress", await tenant.DealStatusAsync(deal));

        var (unhandled, unhandledBody) = await api.StripeEventAsync("customer.created", new System.Text.Json.Nodes.JsonObject
        {
            ["id"] = "cus_0001", ["object"] = "customer",
        });
        Assert.Equal(HttpStatusCode.OK, unhandled.StatusCode);
        Assert.False(unhandledBody.GetProperty("data").GetProperty("handled").GetBoolean());
    }

    [Fact]
    public async Task A_dispute_on_a_payment_is_recorded_once_and_leaves_the_deal_closed()
    {
        var tenant = await api.PayingTenantAsync();
        var deal = await tenant.DealToPayAsync(300m);
        var intentId = (await tenant.IntentAsync(deal)).Str("payment_intent_id");
        await api.PaidAsync(intentId);

        var dispute = api.Stripe.Dispute(intentId, "needs_response");
        var (opened, openedBody) = await api.StripeEventAsync("charge.dispute.created", dispute, eventId: "evt_dispute_created_0001");
        Assert.True(opened.StatusCode == HttpStatusCode.OK, openedBody.ToString());
        Assert.True(openedBody.GetProperty("data").GetProperty("handled").GetBoolean());
        var (again, againBody) = await api.StripeEventAsync("charge.dispute.created", dispute, eventId: "evt_dispute_created_0001");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.False(againBody.GetProperty("data").GetProperty("handled").GetBoolean());

        var view = await tenant.PaymentsAsync(deal);
        var entry = Assert.Single(view.GetProperty("history").EnumerateArray(), h => h.Str("type") == "dispute");
        Assert.Equal(300.00m, entry.Dec("amount"));
        Assert.Equal("charge.dispute.created: needs_response", entry.Str("notes"));
        Assert.Equal("closed", view.Str("deal_status"));
    }
}
