using ApiHost.Api;
using ApiHost.Api.Idempotency;
using ApiHost.Auth;
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
            group.MapGet("", Get).RequireScope("deals:read");
            group.MapPost("", PaymentActions.Post).RequireScope("deals:write").WithIdempotency();
        });
        app.MapApi("payment-intent", group => group.MapPost("", PaymentActions.CreateIntent).RequireScope("deals:write").WithIdempotency());
        app.MapApi("stripe-webhook", group => group.MapPost("", StripeWebhook.Receive));
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
