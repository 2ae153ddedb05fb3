using System.Net;
using Grains.Interfaces.Payments;
using Grains.Payments;
using Tests.Deals;
using Tests.Infrastructure;

namespace Tests.Payments;

/// <summary>§Payments actions through HTTP against the fake Stripe: the document's examples, idempotency, deposits, refunds, capture.</summary>
public sealed class PaymentActionTests(PaymentsApi api) : IClassFixture<PaymentsApi>
{
    [Fact]
    public async Task A_retried_intent_request_never_makes_a_second_intent_at_Stripe()
    {
        var tenant = await api.PayingTenantAsync();
        var deal = await tenant.DealToPayAsync(60m);
        var before = api.Stripe.IntentsCreated;

        var first = await tenant.IntentAsync(deal, idempotencyKey: "intent-retry-0001");
        var (retried, retriedBody) = await tenant.Http.SendJsonAsync(HttpMethod.Post, "/v1/payment-intent", $$"""{"deal_id":"{{deal}}"}""",
            new Dictionary<string, string> { ["Idempotency-Key"] = "intent-retry-0001" });
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal("true", retried.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first.Str("payment_intent_id"), retriedBody.GetProperty("data").Str("payment_intent_id"));
        // The stored answer keeps no client secret; the replay asks Stripe for it again.
        Assert.Equal(first.Str("client_secret"), retriedBody.GetProperty("data").Str("client_secret"));

        // Without a key, an intent the customer can still pay is handed out again (deprecated route too).
        var unkeyed = await tenant.IntentAsync(deal);
        var (deprecated, deprecatedBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/payments?action=create-intent", $$"""{"deal_id":"{{deal}}"}""");
        Assert.Equal(HttpStatusCode.OK, deprecated.StatusCode);
        Assert.Equal(first.Str("payment_intent_id"), unkeyed.Str("payment_intent_id"));
        Assert.Equal(first.Str("payment_intent_id"), deprecatedBody.GetProperty("data").Str("payment_intent_id"));
        Assert.Equal(1, api.Stripe.IntentsCreated - before);
        Assert.Single((await tenant.PaymentsAsync(deal)).GetProperty("payment_intents").EnumerateArray());
        // Every create carried an idempotency key of ours to Stripe.
        Assert.All(api.Stripe.Requests.Where(r => r.Path == "/v1/payment_intents"), r => Assert.StartsWith("sb_", r.Key));
    }

    [Fact]
    public async Task The_deposit_is_charged_first_then_the_balance_and_the_deal_moves_pending_payment_then_closed()
    {
        var tenant = await api.PayingTenantAsync();
        var deal = await tenant.DealToPayAsync(100m, deposit: 30m);

        var deposit = await tenant.IntentAsync(deal);
        Assert.Equal(30.00m, deposit.Dec("amount"));
        await api.PaidAsync(deposit.Str("payment_intent_id"));
        var view = await tenant.PaymentsAsync(deal);
        Assert.Equal("pending_payment", view.Str("deal_status"));
        Assert.Equal("partially_paid", view.Str("payment_status"));
        Assert.Equal(70.00m, view.Dec("balance_due"));

        var rest = await tenant.IntentAsync(deal);
        Assert.Equal(70.00m, rest.Dec("amount"));
        var (over, overBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/payment-intent", $$"""{"deal_id":"{{deal}}","amount":70.01}""");
        Assert.Equal(HttpStatusCode.BadRequest, over.StatusCode);
        Assert.Equal("exceeds_balance", overBody.GetProperty("details").GetProperty("fields").GetProperty("amount").Str("code"));
        await api.PaidAsync(rest.Str("payment_intent_id"));
        Assert.Equal("closed", await tenant.DealStatusAsync(deal));
        Assert.Equal(["30.00", "70.00"], (await tenant.EventsAsync("deal.payment_received", deal)).Select(e => e.GetProperty("data").Str("amount")));
    }

    [Fact]
    public async Task Zero_decimal_currencies_go_to_Stripe_in_whole_units()
    {
        var tenant = await api.PayingTenantAsync();
        var deal = await tenant.DealToPayAsync(1200m, "JPY");

        var (fraction, fractionBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/payment-intent", $$"""{"deal_id":"{{deal}}","amount":600.5}""");
        Assert.Equal(HttpStatusCode.BadRequest, fraction.StatusCode);
        Assert.Equal("invalid_precision", fractionBody.GetProperty("details").GetProperty("fields").GetProperty("amount").Str("code"));

        var intent = await tenant.IntentAsync(deal);
        Assert.Equal("1200", intent.GetProperty("amount").GetRawText());
        Assert.Equal("jpy", intent.Str("currency"));
        Assert.Equal(1200L, (long)api.Stripe.Get(intent.Str("payment_intent_id"))["amount"]!);
        await api.PaidAsync(intent.Str("payment_intent_id"));
        var received = Assert.Single(await tenant.EventsAsync("deal.payment_received", deal)).GetProperty("data");
        Assert.Equal("1200", received.Str("amount"));
        Assert.Equal("JPY", received.Str("currency"));
        Assert.Equal("closed", await tenant.DealStatusAsync(deal));
    }

    [Theory]
    [InlineData("10.99", "USD", 1099L)]
    [InlineData("1200", "JPY", 1200L)]
    [InlineData("1.250", "KWD", 1250L)]
    [InlineData("0.01", "EUR", 1L)]
    public void Minor_units_follow_the_currency(string amount, string currency, long minor)
    {
        var major = decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(minor, PaymentAmounts.ToMinor(major, currency));
        Assert.Equal(major, PaymentAmounts.FromMinor(minor, currency));
    }

    [Theory]
    [InlineData("10.999", "USD")]
    [InlineData("1.5", "JPY")]
    [InlineData("1.255", "KWD")]
    public void Amounts_Stripe_cannot_take_are_refused(string amount, string currency) =>
        Assert.Equal("invalid_precision", Assert.Throws<Grains.Interfaces.Platform.DomainException>(() =>
            PaymentAmounts.ToMinor(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), currency)).Details is
            Grains.Interfaces.Platform.InvalidFieldDetails d ? d.Code : null);

    [Fact]
    public async Task Partial_refunds_never_exceed_what_was_captured_and_Stripe_events_about_them_change_nothing()
    {
        var tenant = await api.PayingTenantAsync();
        var deal = await tenant.DealToPayAsync(1099m);
        var swaps = new Dictionary<string, string> { ["deal_abc123"] = deal };
        var http = api.CreateClient();
        var refundsBefore = api.Stripe.RefundsCreated;

        var (created, createdBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.CreateIntent, swaps);
        Assert.True(created.StatusCode == HttpStatusCode.OK, createdBody.ToString());
        Assert.Equal("1099.00", createdBody.GetProperty("data").GetProperty("amount").GetRawText());
        var intentId = createdBody.GetProperty("data").Str("payment_intent_id");
        await api.PaidAsync(intentId);

        var (refund, refundBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.Refund, swaps);
        Assert.True(refund.StatusCode == HttpStatusCode.OK, refundBody.ToString());
        var refunded = refundBody.GetProperty("data");
        Assert.Equal(200.00m, refunded.Dec("amount"));
        Assert.Equal(200.00m, refunded.Dec("total_refunded"));
        Assert.Equal("partially_refunded", refunded.Str("payment_status"));
        Assert.Equal("closed", refunded.Str("deal_status"));

        // Stripe's charge.refunded for that refund: the cumulative figure is already recorded.
        var (echo, echoBody) = await api.StripeEventAsync("charge.refunded", api.Stripe.Charge(intentId));
        Assert.Equal(HttpStatusCode.OK, echo.StatusCode);
        Assert.False(echoBody.GetProperty("data").GetProperty("handled").GetBoolean());

        var (tooMuch, tooMuchBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/payments?action=refund", $$"""{"deal_id":"{{deal}}","amount":899.01}""");
        Assert.Equal(HttpStatusCode.BadRequest, tooMuch.StatusCode);
        Assert.Equal("exceeds_refundable", tooMuchBody.GetProperty("details").GetProperty("fields").GetProperty("amount").Str("code"));

        var (rest, restBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/payments?action=refund", $$"""{"deal_id":"{{deal}}"}""");
        Assert.True(rest.StatusCode == HttpStatusCode.OK, restBody.ToString());
        Assert.Equal(899.00m, restBody.GetProperty("data").Dec("amount"));
        Assert.Equal("refunded", restBody.GetProperty("data").Str("payment_status"));
        var (none, noneBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/payments?action=refund", $$"""{"deal_id":"{{deal}}"}""");
        Assert.Equal(HttpStatusCode.Conflict, none.StatusCode);
        Assert.Equal("conflict.nothing_to_refund", noneBody.Code());

        Assert.Equal(2, api.Stripe.RefundsCreated - refundsBefore);
        Assert.Equal(["200.00", "899.00"], (await tenant.EventsAsync("deal.payment_refunded", deal)).Select(e => e.GetProperty("data").Str("amount")));
        var view = await tenant.PaymentsAsync(deal);
        Assert.Equal(1099.00m, view.Dec("amount_refunded"));
        Assert.Equal(["intent_created", "payment_received", "refund", "refund"], view.GetProperty("history").EnumerateArray().Select(h => h.Str("type")));
    }

    [Fact]
    public async Task An_authorised_manual_capture_intent_is_captured_as_documented_and_closes_the_deal()
    {
        var tenant = await api.PayingTenantAsync();
        var deal = await tenant.DealToPayAsync(1099m);
        var intentId = (await tenant.IntentAsync(deal, ",\"capture_method\":\"manual\"")).Str("payment_intent_id");
        var swaps = new Dictionary<string, string> { ["deal_abc123"] = deal, ["pi_xxxxx"] = intentId };
        var http = api.CreateClient();

        var (early, earlyBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.Capture, swaps);
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal("conflict.payment_not_capturable", earlyBody.Code());

        var (held, _) = await api.StripeEventAsync("payment_intent.amount_capturable_updated", api.Stripe.Authorize(intentId));
        Assert.Equal(HttpStatusCode.OK, held.StatusCode);
        Assert.Equal("requires_capture", (await tenant.PaymentsAsync(deal)).Str("payment_status"));
        Assert.Equal("in_progress", await tenant.DealStatusAsync(deal));

        var (captured, capturedBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.Capture, swaps);
        Assert.True(captured.StatusCode == HttpStatusCode.OK, capturedBody.ToString());
        var data = capturedBody.GetProperty("data");
        Assert.Equal(intentId, data.Str("payment_intent_id"));
        Assert.Equal("1099.00", data.GetProperty("captured_amount").GetRawText());
        Assert.Equal("usd", data.Str("currency"));
        Assert.Equal("succeeded", data.Str("payment_status"));
        Assert.Equal("closed", data.Str("deal_status"));
        Assert.Equal("succeeded", (string)api.Stripe.Get(intentId)["status"]!);

        // Stripe's own succeeded event for the capture arrives afterwards: nothing more happens.
        var (late, lateBody) = await api.StripeEventAsync("payment_intent.succeeded", api.Stripe.Get(intentId));
        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        Assert.False(lateBody.GetProperty("data").GetProperty("handled").GetBoolean());
        Assert.Single(await tenant.EventsAsync("deal.payment_received", deal));
    }

    [Fact]
    public async Task A_manual_payment_is_recorded_as_documented()
    {
        var tenant = await api.PayingTenantAsync();
        var deal = await tenant.DealToPayAsync(5000m);
        var http = api.CreateClient();

        var (tiny, tinyBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/payments?action=record-manual",
            $$"""{"deal_id":"{{deal}}","amount":0.001,"method":"bitcoin"}""");
        Assert.Equal(HttpStatusCode.BadRequest, tiny.StatusCode);
        var fields = tinyBody.GetProperty("details").GetProperty("fields");
        Assert.True(fields.TryGetProperty("amount", out _));
        Assert.True(fields.TryGetProperty("method", out _));

        var (recorded, recordedBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.RecordManual,
            new Dictionary<string, string> { ["deal_abc123"] = deal });
        Assert.True(recorded.StatusCode == HttpStatusCode.Created, recordedBody.ToString());
        var data = recordedBody.GetProperty("data");
        Assert.Equal("bank_transfer", data.Str("method"));
        Assert.Equal("TXN-001", data.Str("reference"));
        Assert.Equal("succeeded", data.Str("payment_status"));
        Assert.Equal("closed", data.Str("deal_status"));
        var evt = Assert.Single(await tenant.EventsAsync("deal.payment_received", deal)).GetProperty("data");
        Assert.Equal("5000.00", evt.Str("amount"));
        Assert.Equal("bank_transfer", evt.Str("method"));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, evt.GetProperty("payment_intent_id").ValueKind);
    }

    [Fact]
    public async Task Payments_refuse_what_the_deal_or_the_tenant_cannot_take()
    {
        var tenant = await api.PayingTenantAsync();
        var deal = await tenant.DealToPayAsync(10m);

        var (mismatch, mismatchBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/payment-intent", $$"""{"deal_id":"{{deal}}","currency":"EUR"}""");
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);
        Assert.Equal("currency_mismatch", mismatchBody.GetProperty("details").GetProperty("fields").GetProperty("currency").Str("code"));
        var (missing, missingBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/payment-intent", "{}");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("validation_error.invalid_fields", missingBody.Code());

        var draft = (await tenant.DealAsync(HttpMethod.Post, "/v1/deals", """{"title":"Draft","currency":"USD"}""", expected: HttpStatusCode.Created))
            .GetProperty("deal").Str("deal_id");
        var (notPayable, notPayableBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/payment-intent", $$"""{"deal_id":"{{draft}}"}""");
        Assert.Equal(HttpStatusCode.Conflict, notPayable.StatusCode);
        Assert.Equal("conflict.deal_not_payable", notPayableBody.Code());

        var stranger = await api.PayingTenantAsync();
        var (foreign, _) = await stranger.SendAsync(HttpMethod.Post, "/v1/payment-intent", $$"""{"deal_id":"{{deal}}"}""");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        var (foreignView, _) = await stranger.SendAsync(HttpMethod.Get, $"/v1/payments?deal_id={deal}");
        Assert.Equal(HttpStatusCode.NotFound, foreignView.StatusCode);

        var unconfigured = await api.NewTenantAsync();
        var theirs = await unconfigured.DealToPayAsync(10m);
        var (noStripe, noStripeBody) = await unconfigured.SendAsync(HttpMethod.Post, "/v1/payment-intent", $$"""{"deal_id":"{{theirs}}"}""");
        Assert.Equal(HttpStatusCode.Conflict, noStripe.StatusCode);
        Assert.Equal("conflict.payments_not_configured", noStripeBody.Code());
    }

    [Fact]
    public async Task Settings_keep_the_secret_key_sealed_and_connect_and_disconnect_run_as_documented()
    {
        var tenant = await api.NewTenantAsync();
        var http = api.CreateClient();
        var none = new Dictionary<string, string>();

        var (initial, initialBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.Settings, none);
        Assert.Equal(HttpStatusCode.OK, initial.StatusCode);
        Assert.False(initialBody.GetProperty("data").GetProperty("stripe_connected").GetBoolean());

        var (saved, savedBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.SaveSettings, none);
        Assert.True(saved.StatusCode == HttpStatusCode.OK, savedBody.ToString());
        Assert.Equal("Payment settings saved", savedBody.GetProperty("data").Str("message"));
        var (_, shown) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.Settings, none);
        var settings = shown.GetProperty("data");
        Assert.True(settings.GetProperty("payment_methods").GetProperty("card").GetBoolean());
        Assert.False(settings.GetProperty("payment_methods").GetProperty("bank_transfer").GetBoolean());
        Assert.True(settings.GetProperty("invoice_settings").GetProperty("auto_send").GetBoolean());

        // Connect: an Account and an Account Link at Stripe; payments then run on the platform key for that account.
        var (connected, connectedBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.ConnectStripe, none);
        Assert.True(connected.StatusCode == HttpStatusCode.OK, connectedBody.ToString());
        var account = connectedBody.GetProperty("data").Str("account_id");
        Assert.StartsWith("acct_", account);
        Assert.StartsWith($"https://connect.stripe.com/setup/e/{account}/", connectedBody.GetProperty("data").Str("url"));
        var deal = await tenant.DealToPayAsync(25m);
        var intent = await tenant.IntentAsync(deal);
        await api.PaidAsync(intent.Str("payment_intent_id"));
        Assert.Equal("closed", await tenant.DealStatusAsync(deal));

        var (disconnected, disconnectedBody) = await DocCurl.RunAsync(http, tenant.Key, PaymentDocSnippets.DisconnectStripe, none);
        Assert.True(disconnected.StatusCode == HttpStatusCode.OK, disconnectedBody.ToString());
        Assert.Equal("Stripe account disconnected", disconnectedBody.GetProperty("data").Str("message"));
        var other = await tenant.DealToPayAsync(25m);
        var (refused, refusedBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/payment-intent", $$"""{"deal_id":"{{other}}"}""");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("conflict.payments_not_configured", refusedBody.Code());

        // A key of the tenant's own: stored sealed (never the key itself), shown as a hint.
        var key = "sk_test_" + Guid.NewGuid().ToString("N");
        var (withKey, withKeyBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/payments?action=save-settings", $$"""{"stripe_secret_key":"{{key}}"}""");
        Assert.True(withKey.StatusCode == HttpStatusCode.OK, withKeyBody.ToString());
        Assert.DoesNotContain(key, withKeyBody.ToString());
        Assert.EndsWith(key[^4..], withKeyBody.GetProperty("data").GetProperty("settings").Str("secret_key"));
        var stored = await api.Grains.GetGrain<IStripeAccountGrain>(tenant.Partition).Account();
        Assert.StartsWith("v1:", stored.SealedSecretKey);
        Assert.DoesNotContain(key, stored.SealedSecretKey);
        var (bad, badBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/payments?action=save-settings", """{"stripe_secret_key":"pk_test_abc"}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("validation_error.invalid_fields", badBody.Code());

        // Stripe rejecting the key is the tenant's configuration, not our failure.
        api.Stripe.RejectKey(key);
        var (rejected, rejectedBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/payment-intent", $$"""{"deal_id":"{{other}}"}""");
        Assert.Equal(HttpStatusCode.Conflict, rejected.StatusCode);
        Assert.Equal("conflict.payments_not_configured", rejectedBody.Code());
    }
}
