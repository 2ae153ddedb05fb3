using System.Text;
using System.Text.Json.Nodes;
using ApiHost.Api;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Payments;
using Stripe;

namespace ApiHost.Payments;

/// <summary>
/// <c>POST /v1/stripe-webhook</c>: Stripe's events, verified with Stripe.net's own check of <c>Stripe-Signature</c>
/// against <c>Stripe:WebhookSecret</c> (or <c>STRIPE_WEBHOOK_SECRET</c>) within 300 s of the signed timestamp; a bad
/// signature is 400 and nothing is read. A handled event goes to the deal grain that made the intent (found by the
/// intent id, registered when the intent was created); the deal ignores an event id it has applied. Events for
/// intents that are not ours, and unhandled types, are acknowledged (200, <c>handled:false</c>) so Stripe stops resending.
/// </summary>
public static class StripeWebhook
{
    public static async Task<IResult> Receive(HttpContext http, IGrainFactory grains, IConfiguration configuration, TimeProvider time,
        ILoggerFactory loggers, CancellationToken ct)
    {
        var secret = configuration["Stripe:WebhookSecret"] ?? configuration["STRIPE_WEBHOOK_SECRET"];
        var signature = http.Request.Headers["Stripe-Signature"].ToString();
        var json = Encoding.UTF8.GetString(await RequestBody.ReadBytesAsync(http.Request, ct));
        if (string.IsNullOrEmpty(secret))
        {
            loggers.CreateLogger(typeof(StripeWebhook)).LogError("Stripe event refused: Stripe:WebhookSecret is not configured");
        }
        Event stripeEvent;
        try
        {
            stripeEvent = EventUtility.ConstructEvent(json, signature, secret ?? "", PaymentKeys.SignatureToleranceSeconds,
                time.GetUtcNow().ToUnixTimeSeconds(), throwOnApiVersionMismatch: false);
        }
        catch (StripeException ex)
        {
            throw new ApiException(new ApiError(400, "validation_error.invalid_signature", "validation_error",
                $"Stripe-Signature verification failed: {ex.Message}",
                new Recovery("fix_request", false, "Sign with the endpoint's webhook secret; timestamps older than 300 s are refused."), null));
        }
        catch (Exception ex) when (ex is Newtonsoft.Json.JsonException or ArgumentException)
        {
            throw new ApiException(ApiError.BadRequest("The signed payload is not a Stripe event"));
        }

        var input = Read(stripeEvent);
        var handled = false;
        if (input is not null && await Owner(grains, input.PaymentIntentId, stripeEvent) is { } dealKey)
        {
            handled = await grains.GetGrain<IDealPaymentsGrain>(dealKey).ApplyStripeEvent(input) is not null;
        }
        return ApiResults.Ok(new StripeWebhookReceipt(true, stripeEvent.Id, stripeEvent.Type, handled));
    }

    private static StripeEventInput? Read(Event e)
    {
        if (!PaymentKeys.HandledEvents.Contains(e.Type))
        {
            return null;
        }
        return e.Data.Object switch
        {
            PaymentIntent pi => new StripeEventInput(e.Id, e.Type, pi.Id, pi.Status, pi.Amount, pi.AmountReceived, null, pi.Currency,
                pi.LastPaymentError?.Message, pi.Metadata?.GetValueOrDefault(PaymentKeys.CheckoutMetadataKey), pi.CaptureMethod),
            Charge charge when charge.PaymentIntentId is { } intentId => new StripeEventInput(e.Id, e.Type, intentId, null, null, null,
                charge.AmountRefunded, charge.Currency, null),
            Dispute dispute when dispute.PaymentIntentId is { } intentId => new StripeEventInput(e.Id, e.Type, intentId, null, null, null, null,
                dispute.Currency, null, DisputeStatus: dispute.Status, DisputeAmountMinor: dispute.Amount),
            _ => null,
        };
    }

    /// <summary>The deal grain that registered the intent; for an intent event racing its registration, the intent's metadata.</summary>
    private static async Task<string?> Owner(IGrainFactory grains, string paymentIntentId, Event e) =>
        await grains.GetGrain<IPaymentIntentLocatorGrain>(paymentIntentId).DealGrainKey()
        ?? (e.Data.Object is PaymentIntent pi && pi.Metadata?.GetValueOrDefault(PaymentKeys.DealMetadataKey) is { } key &&
            key.Split('/') is [{ Length: > 0 }, var dealId] && ResourceRequests.IsWellFormedId(dealId, DealKeys.IdPrefix) ? key : null);
}
