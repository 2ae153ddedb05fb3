using System.Text.Json;
using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Auth;
using ApiHost.Deals;
using ApiHost.OpenApi;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Payments;

namespace ApiHost.Payments;

/// <summary>A POST on <c>/v1/payments?action=</c>: the request, its body and a field reader over it.</summary>
public sealed record PaymentPost(HttpContext Http, IGrainFactory Grains, JsonElement Body, FieldReader Fields)
{
    public DealActor Actor => DealRequests.Actor(Http);

    public IPaymentSettingsGrain Settings => Grains.GetGrain<IPaymentSettingsGrain>(Http.Caller().Partition);
}

public delegate Task<IResult> PaymentPostHandler(PaymentPost post);

/// <summary>The §Payments POST actions as an action map; each reads its fields, calls one grain and shapes the answer.</summary>
public static partial class PaymentActions
{
    private const string SecretKeyField = "stripe_secret_key";

    public static readonly ActionMap<PaymentPostHandler> Map = new ActionMap<PaymentPostHandler>("POST")
        .Add("create-intent", CreateIntentAction, Doc<PaymentIntentBody, PaymentIntentData>("createPaymentIntentAction",
            "Create a Stripe PaymentIntent for a deal (deprecated: use POST /v1/payment-intent)"))
        .Add("confirm", Confirm, Doc<PaymentIntentIdBody, PaymentIntentOutcome>("confirmPayment", "Confirm a PaymentIntent"))
        .Add("capture", Capture, Doc<PaymentCaptureBody, PaymentCaptureData>("capturePayment", "Capture an authorised payment"))
        .Add("refund", Refund, Doc<PaymentRefundBody, PaymentRefundData>("refundPayment", "Refund a deal's payment, fully or in part"))
        .Add("record-manual", RecordManual, Doc<ManualPaymentBody, ManualPaymentData>("recordManualPayment", "Record a payment made outside Stripe", 201))
        .Add("poll-intent", PollIntent, Doc<PaymentPollBody, PaymentIntentOutcome>("pollPaymentIntent", "Refresh a PaymentIntent's status from Stripe"))
        .Add("charge-saved-method", ChargeSavedMethod,
            Doc<ChargeSavedMethodBody, SavedMethodChargeData>("chargeSavedPaymentMethod", "Charge the customer's saved card off-session"))
        .Add("generate-link", GenerateLink, Doc<PaymentLinkBody, PaymentLinkData>("generatePaymentLink", "Make a Stripe Checkout payment link"))
        .Add("save-settings", SaveSettings, Doc<PaymentSettingsBody, PaymentSettingsSaved>("savePaymentSettings", "Save payment settings and the Stripe key"))
        .Add("connect-stripe", Connect, ActionDoc.Of<StripeConnectData>("connectStripe", "Start a Stripe Connect onboarding link", onResource: false))
        .Add("disconnect-stripe", Disconnect, ActionDoc.Of<PaymentMessage>("disconnectStripe", "Disconnect the Stripe account", onResource: false));

    private static ActionDoc Doc<TRequest, TResponse>(string id, string summary, int status = 200) =>
        ActionDoc.Of<TRequest, TResponse>(id, summary, status, onResource: false);

    public static async Task<IResult> Post(HttpContext http, IGrainFactory grains, string? action, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(action))
        {
            throw new ApiException(ApiError.BadRequest($"The action query parameter is required; supported: {string.Join(", ", Map.Names)}",
                new { parameter = "action" }));
        }
        return await Run(Map.Find(action), http, grains, ct);
    }

    /// <summary>Runs one action on the request's (optional) body: the query style and the path style share it.</summary>
    public static async Task<IResult> Run(PaymentPostHandler handler, HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var body = await RequestBody.ReadOptionalObjectAsync(http.Request, ct);
        return await handler(new PaymentPost(http, grains, body, new FieldReader(body)));
    }

    /// <summary><c>POST /v1/payment-intent</c> <c>{deal_id*, amount}</c>: the widget's deposit or full amount.</summary>
    public static async Task<IResult> CreateIntent(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var body = await RequestBody.ReadObjectAsync(http.Request, ct);
        return await CreateIntentAction(new PaymentPost(http, grains, body, new FieldReader(body)));
    }

    /// <summary>The caller's deal (its payment face): 400 without an id, 404 for another tenant's or a malformed one.</summary>
    public static IDealPaymentsGrain Payments(HttpContext http, IGrainFactory grains, string? dealId) =>
        grains.GetGrain<IDealPaymentsGrain>(DealRequests.Deal(http, grains, dealId).GetPrimaryKeyString());

    private static IDealPaymentsGrain RequireDeal(PaymentPost p)
    {
        var dealId = p.Fields.String("deal_id", required: true, maxLength: 64);
        p.Fields.ThrowIfInvalid();
        return Payments(p.Http, p.Grains, dealId);
    }

    private static async Task<IResult> CreateIntentAction(PaymentPost p)
    {
        var amount = p.Fields.Decimal("amount", min: 0.01m, max: 1_000_000_000_000m);
        var currency = p.Fields.Currency("currency");
        var capture = p.Fields.Enum("capture_method", PaymentKeys.CaptureMethods) ?? "automatic";
        var deal = RequireDeal(p);
        return ApiResults.Ok(PaymentContract.Intent(await deal.CreatePaymentIntent(new PaymentIntentRequest(amount, currency, capture), p.Actor)));
    }

    private static async Task<IResult> Confirm(PaymentPost p)
    {
        var intentId = p.Fields.String("payment_intent_id", required: true, maxLength: 255);
        var deal = RequireDeal(p);
        var outcome = await deal.Confirm(intentId!, p.Actor);
        return ApiResults.Ok(IntentOutcome(outcome), outcome.View.DealVersion);
    }

    /// <summary><c>{payment_intent_id*}</c>: the intent must be one of the caller's deals' (found by id), else 404.</summary>
    private static async Task<IResult> PollIntent(PaymentPost p)
    {
        var intentId = p.Fields.String("payment_intent_id", required: true, maxLength: 255);
        p.Fields.ThrowIfInvalid();
        var dealKey = await p.Grains.GetGrain<IPaymentIntentLocatorGrain>(intentId!).DealGrainKey();
        if (dealKey is null || !dealKey.StartsWith(p.Http.Caller().Partition + "/", StringComparison.Ordinal))
        {
            throw new ApiException(ApiError.NotFound("Payment intent not found"));
        }
        var outcome = await p.Grains.GetGrain<IDealPaymentsGrain>(dealKey).PollIntent(intentId!, p.Actor);
        return ApiResults.Ok(IntentOutcome(outcome), outcome.View.DealVersion);
    }

    /// <summary><c>{deal_id*, customer_id*, payment_method_id}</c>: a decline answers 200 with the failure, as confirm does.</summary>
    private static async Task<IResult> ChargeSavedMethod(PaymentPost p)
    {
        var customerId = p.Fields.String("customer_id", required: true, maxLength: 64);
        var methodId = p.Fields.String("payment_method_id", maxLength: 255);
        var deal = RequireDeal(p);
        var outcome = await deal.ChargeSavedMethod(customerId!, methodId, p.Actor);
        var intent = outcome.Intent!;
        return ApiResults.Ok(new SavedMethodChargeData(intent.Id, PaymentContract.Amount(intent.Amount, intent.Currency), intent.Currency.ToLowerInvariant(),
            intent.Status, outcome.View.DealStatus, PaymentContract.Amount(outcome.View.BalanceDue, outcome.View.Currency), intent.LastError),
            outcome.View.DealVersion);
    }

    private static async Task<IResult> GenerateLink(PaymentPost p)
    {
        var success = p.Fields.Url("success_url");
        var cancel = p.Fields.Url("cancel_url");
        var deal = RequireDeal(p);
        var link = await deal.GenerateLink(success, cancel, p.Actor);
        return ApiResults.Ok(new PaymentLinkData(link.Url, link.Id, PaymentContract.Amount(link.Amount, link.Currency), link.Currency.ToLowerInvariant(),
            link.ExpiresAt));
    }

    private static PaymentIntentOutcome IntentOutcome(PaymentOutcome outcome)
    {
        var i = PaymentContract.IntentRecord(outcome.Intent!);
        return new PaymentIntentOutcome(i.PaymentIntentId, i.Status, i.Amount, i.AmountReceived, i.AmountRefunded, i.Currency, i.CaptureMethod,
            i.LastPaymentError, i.CreatedAt, i.UpdatedAt, outcome.View.DealId, outcome.View.PaymentStatus, outcome.View.DealStatus,
            PaymentContract.Amount(outcome.View.BalanceDue, outcome.View.Currency));
    }

    private static async Task<IResult> Capture(PaymentPost p)
    {
        var intentId = p.Fields.String("payment_intent_id", required: true, maxLength: 255);
        var amount = p.Fields.Decimal("amount_to_capture", min: 0.01m, max: 1_000_000_000_000m);
        var deal = RequireDeal(p);
        var outcome = await deal.Capture(intentId!, amount, p.Actor);
        var intent = outcome.Intent!;
        return ApiResults.Ok(new PaymentCaptureData(intent.Id, PaymentContract.Amount(intent.AmountReceived, intent.Currency),
            intent.Currency.ToLowerInvariant(), intent.Status, outcome.View.DealStatus,
            PaymentContract.Amount(outcome.View.BalanceDue, outcome.View.Currency)), outcome.View.DealVersion);
    }

    private static async Task<IResult> Refund(PaymentPost p)
    {
        var amount = p.Fields.Decimal("amount", min: 0.01m, max: 1_000_000_000_000m);
        var reason = p.Fields.String("reason", maxLength: 1000);
        var deal = RequireDeal(p);
        var outcome = await deal.Refund(amount, reason, p.Actor);
        var view = outcome.View;
        return ApiResults.Ok(new PaymentRefundData(view.DealId, outcome.Intent?.Id, outcome.Entry?.Id,
            PaymentContract.Amount(outcome.Entry?.Amount ?? 0m, view.Currency), view.Currency.ToLowerInvariant(), reason,
            PaymentContract.Amount(view.AmountRefunded, view.Currency), view.PaymentStatus, view.DealStatus), view.DealVersion);
    }

    private static async Task<IResult> RecordManual(PaymentPost p)
    {
        var amount = p.Fields.Decimal("amount", required: true, min: PaymentKeys.MinimumManualAmount, max: 1_000_000_000_000m);
        var method = p.Fields.Enum("method", PaymentKeys.ManualMethods, required: true);
        var reference = p.Fields.String("reference", maxLength: 255);
        var notes = p.Fields.String("notes", maxLength: FieldReader.DescriptionMaxLength);
        var deal = RequireDeal(p);
        var outcome = await deal.RecordManual(new ManualPaymentInput(amount!.Value, method!, reference, notes), p.Actor);
        var h = PaymentContract.History(outcome.Entry!);
        var data = new ManualPaymentData(h.Id, h.Type, h.Amount, h.Currency, h.PaymentIntentId, h.Method, h.Reference, h.Notes, h.StripeEventId,
            h.Actor, h.CreatedAt, h.Id, outcome.View.DealId, outcome.View.PaymentStatus, outcome.View.DealStatus,
            PaymentContract.Amount(outcome.View.BalanceDue, outcome.View.Currency));
        return ApiResults.Created(data, outcome.View.DealVersion);
    }

    private static async Task<IResult> SaveSettings(PaymentPost p)
    {
        var methods = ReadToggles(p, "payment_methods");
        var invoice = p.Fields.Metadata("invoice_settings");
        var secret = p.Fields.String(SecretKeyField, maxLength: 255);
        if (secret is not null && !StripeKeyShape().IsMatch(secret))
        {
            p.Fields.Fail(SecretKeyField, "invalid", "stripe_secret_key must be a Stripe secret or restricted key (sk_test_…, sk_live_…, rk_…)");
        }
        p.Fields.ThrowIfInvalid();
        var settings = await p.Settings.Save(new PaymentSettingsInput(methods, invoice, secret));
        return ApiResults.Ok(new PaymentSettingsSaved("Payment settings saved", PaymentContract.Settings(settings)));
    }

    private static async Task<IResult> Connect(PaymentPost p)
    {
        var link = await p.Settings.Connect();
        return ApiResults.Ok(new StripeConnectData(link.Url, link.AccountId));
    }

    private static async Task<IResult> Disconnect(PaymentPost p)
    {
        await p.Settings.Disconnect();
        return ApiResults.Ok(new PaymentMessage("Stripe account disconnected"));
    }

    private static Dictionary<string, bool>? ReadToggles(PaymentPost p, string name)
    {
        if (!p.Body.TryGetProperty(name, out var toggles) || toggles.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (toggles.ValueKind != JsonValueKind.Object)
        {
            p.Fields.Fail(name, "invalid_type", $"{name} must be an object of method → true/false");
            return null;
        }
        var result = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var toggle in toggles.EnumerateObject())
        {
            if (toggle.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False) || toggle.Name.Length is 0 or > 64)
            {
                p.Fields.Fail($"{name}.{toggle.Name}", "invalid_type", "each payment method toggle must be true or false");
                continue;
            }
            result[toggle.Name] = toggle.Value.GetBoolean();
        }
        return result;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^(sk|rk)_(test|live)_[A-Za-z0-9]{8,200}$")]
    private static partial System.Text.RegularExpressions.Regex StripeKeyShape();
}
