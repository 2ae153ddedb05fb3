using ApiHost.Auth;
using Grains.Interfaces.RateLimiting;

namespace ApiHost.RateLimiting;

/// <summary>
/// Runs right after authentication, for requests with a verified key: the key tier (sliding minute
/// plus burst), the authenticated per-IP tier, then the global breaker. A tier that refuses gives
/// back the tokens the earlier tiers took, so refused requests never count: a tenant hammering past
/// its own limit cannot trip the breaker for everyone. Admitted responses carry the key tier's headers.
/// </summary>
public sealed class RateLimitMiddleware(RequestDelegate next, LeasedLimiter limiter)
{
    private const string AdmittedItem = "ratelimit.admitted";

    /// <summary>Whether the request was admitted here (so a later 401/403 from the endpoint is not an unauthenticated request).</summary>
    public static bool Admitted(HttpContext context) => context.Items.ContainsKey(AdmittedItem);

    public async Task InvokeAsync(HttpContext context)
    {
        if (!limiter.Enabled || context.GetEndpoint()?.Metadata.GetMetadata<RequiredScope>() is null)
        {
            // Public endpoint: the unauthenticated tier already counted it before authentication.
            await next(context);
            return;
        }
        if (await CheckAsync(context))
        {
            await next(context);
        }
    }

    /// <summary>Admits (registering the headers) or writes the refusal; true when the request may proceed.</summary>
    public async ValueTask<bool> CheckAsync(HttpContext context)
    {
        // Authentication throws on failure, so for an endpoint with a RequiredScope a caller is set.
        var caller = context.Caller();
        var spec = limiter.KeySpec(caller.Key.RateLimitPerMinute);

        var key = await limiter.Keys.AcquireAsync(caller.KeyId, spec);
        if (!key.Allowed)
        {
            await RateLimitHeaders.RefuseAsync(context, key, spec.BurstCapacity > 0 ? RateLimitPolicies.Burst : RateLimitPolicies.Key);
            return false;
        }
        var ip = await limiter.AuthenticatedIps.AcquireAsync(ClientAddress.Of(context, limiter.Settings.TrustForwardedFor),
            limiter.AuthenticatedIpSpec);
        if (!ip.Allowed)
        {
            key.Undo();
            await RateLimitHeaders.RefuseAsync(context, ip, RateLimitPolicies.Ip);
            return false;
        }
        var global = await limiter.Global.AcquireAsync(RateLimitSubjects.Global, limiter.GlobalSpec);
        if (!global.Allowed)
        {
            key.Undo();
            ip.Undo();
            await RateLimitHeaders.RefuseAsync(context, global, RateLimitPolicies.Global);
            return false;
        }
        context.Items[AdmittedItem] = true;
        RateLimitHeaders.OnStarting(context, key, key.FromBurst ? RateLimitPolicies.Burst : RateLimitPolicies.Key);
        return true;
    }
}
