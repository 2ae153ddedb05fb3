using ApiHost.Api;
using ApiHost.Auth;
using Grains.Interfaces.RateLimiting;
using Grains.Interfaces.Telemetry;

namespace ApiHost.RateLimiting;

/// <summary>
/// The unauthenticated per-IP tier (default 100/h) and the global breaker for requests without a
/// verified key. Runs before authentication: public endpoints and unknown routes are counted before
/// they run; for endpoints that need a key, a request authentication refuses (401, or 403 for a key
/// without the scope or origin) is counted then, and answered 429 instead once the IP is over its limit.
/// <c>/health</c>, <c>/ready</c> and <c>/dashboard</c> are never limited (probes and operators must get through), nor
/// <c>/v1/stripe-webhook</c> (all tenants' Stripe events come from Stripe's few addresses; a bad signature is refused at once).
/// </summary>
public sealed class UnauthenticatedRateLimitMiddleware(RequestDelegate next, LeasedLimiter limiter)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!limiter.Enabled || IsExempt(context.Request.Path))
        {
            await next(context);
            return;
        }
        if (context.GetEndpoint()?.Metadata.GetMetadata<RequiredScope>() is null)
        {
            if (await AdmitAsync(context))
            {
                await next(context);
            }
            return;
        }
        try
        {
            await next(context);
        }
        catch (ApiException refused) when (refused.Error.Status is 401 or 403 && !context.Response.HasStarted &&
                                           !RateLimitMiddleware.Admitted(context))
        {
            if (await AdmitAsync(context))
            {
                throw;
            }
        }
    }

    public static bool IsExempt(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/ready") || ManagementPaths.Contains(path.Value) || IsStripeWebhook(path);

    /// <summary>Stripe posts every tenant's events from a few addresses; its signature, checked first, is what admits them.</summary>
    private static bool IsStripeWebhook(PathString path) =>
        path.Equals("/v1/stripe-webhook", StringComparison.Ordinal) || path.Equals("/api/v1/stripe-webhook", StringComparison.Ordinal);

    /// <summary>Counts the request against its IP and the breaker; writes the refusal and returns false when one says no.</summary>
    private async ValueTask<bool> AdmitAsync(HttpContext context)
    {
        var ip = await limiter.UnauthenticatedIps.AcquireAsync(ClientAddress.Of(context, limiter.Settings.TrustForwardedFor),
            limiter.UnauthenticatedIpSpec);
        if (!ip.Allowed)
        {
            await RateLimitHeaders.RefuseAsync(context, ip, RateLimitPolicies.Ip);
            return false;
        }
        var global = await limiter.Global.AcquireAsync(RateLimitSubjects.Global, limiter.GlobalSpec);
        if (!global.Allowed)
        {
            ip.Undo();
            await RateLimitHeaders.RefuseAsync(context, global, RateLimitPolicies.Global);
            return false;
        }
        RateLimitHeaders.OnStarting(context, ip, RateLimitPolicies.Ip);
        return true;
    }
}
