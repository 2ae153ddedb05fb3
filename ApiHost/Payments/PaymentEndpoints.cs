using ApiHost.Api;
using ApiHost.Api.Idempotency;
using System.Text.Json.Nodes;
using ApiHost.Auth;
using ApiHost.OpenApi;
using Grains.Interfaces.Payments;

namespace ApiHost.Payments;

/// <summary>
/// <c>/v1/payments</c> (query-style: <c>?deal_id=</c>, <c>?action=</c>), <c>/v1/payment-intent</c> and the inbound
/// <c>/v1/stripe-webhook</c> (public: Stripe's signature is its authentication). Rules live in the deal grain.
/// </summary>
public static class PaymentEndpoints
{
    public static void MapPaymentEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapApi("payments", group =>
        {
            group.MapGet("", Get).RequireScope("deals:read")
                .Operation<DealPaymentsData>("getDealPayments", "A deal's payment status, intents and history",
                    description: "`?deal_id=` names the deal; `?action=settings` answers the payment settings (getPaymentSettings).");
            group.MapGet("settings", (HttpContext http, IGrainFactory grains) => Get(http, grains, null, "settings")).RequireScope("deals:read")
                .Operation<PaymentSettingsData>("getPaymentSettings", "Payment settings", description: "Also served as `GET ?action=settings`.");
            // Every query-style action is documented as its own path-style operation below.
            group.MapPost("", PaymentActions.Post).RequireScope("deals:write").WithIdempotency().ExcludeFromDescription();
            PaymentActions.Map.MapPathStyle(group, "POST", "deals:write", handler =>
                (HttpContext http, IGrainFactory grains, CancellationToken ct) => PaymentActions.Run(handler, http, grains, ct));
        });
        app.MapApi("payment-intent", group => group.MapPost("", PaymentActions.CreateIntent).RequireScope("deals:write").WithIdempotency()
            .Operation<PaymentIntentBody, PaymentIntentData>("createPaymentIntent", "Create a Stripe PaymentIntent for a deal"));
        app.MapApi("stripe-webhook", group => group.MapPost("", StripeWebhook.Receive)
            .Operation<JsonObject, StripeWebhookReceipt>("receiveStripeEvent", "Stripe's events (verified by Stripe-Signature)"));
    }

    /// <summary><c>?deal_id=</c>: the deal's payment status, intents and history; <c>?action=settings</c>: provider settings.</summary>
    private static async Task<IResult> Get(HttpContext http, IGrainFactory grains, string? deal_id, string? action)
    {
        switch (action)
        {
            case "settings":
                return ApiResults.Ok(PaymentContract.Settings(await grains.GetGrain<IPaymentSettingsGrain>(http.Caller().Partition).Get()));
            case null or "":
                if (string.IsNullOrEmpty(deal_id))
                {
                    throw new ApiException(ApiError.BadRequest("The deal_id query parameter is required", new { parameter = "deal_id" }));
                }
                var view = await PaymentActions.Payments(http, grains, deal_id).Payments();
                return ApiResults.Ok(PaymentContract.View(view), view.DealVersion);
            default:
                throw new ApiException(ApiError.BadRequest($"Unknown action '{action}' for GET; supported: settings", new { parameter = "action" }));
        }
    }
}
