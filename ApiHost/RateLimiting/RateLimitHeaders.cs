using Grains.Interfaces.Telemetry;
using ApiHost.Api;

namespace ApiHost.RateLimiting;

/// <summary>The document's policy names for <c>X-RateLimit-Policy</c>.</summary>
public static class RateLimitPolicies
{
    public const string Key = "key";
    public const string Burst = "burst";
    public const string Ip = "ip";
    public const string Global = "global";
}

/// <summary>
/// <c>X-RateLimit-Limit/Remaining/Reset/Policy</c>. Admitted requests get them when the response
/// starts (so they survive the error middleware replacing a failed response); refusals carry the
/// refusing tier's values plus <c>Retry-After</c>.
/// </summary>
public static class RateLimitHeaders
{
    public static void OnStarting(HttpContext context, Admission admission, string policy)
    {
        if (admission.Grant is null)
        {
            return;
        }
        context.Response.OnStarting(static state =>
        {
            var (context, admission, policy) = ((HttpContext, Admission, string))state;
            Write(context.Response, admission, policy);
            return Task.CompletedTask;
        }, (context, admission, policy));
    }

    public static void Write(HttpResponse response, Admission admission, string policy)
    {
        if (admission.Grant is not { } grant)
        {
            return;
        }
        var headers = response.Headers;
        headers["X-RateLimit-Limit"] = grant.Limit.ToString();
        headers["X-RateLimit-Remaining"] = admission.Remaining.ToString();
        headers["X-RateLimit-Reset"] = grant.ResetAt.ToUnixTimeSeconds().ToString();
        headers["X-RateLimit-Policy"] = policy;
    }

    /// <summary>Answers a refusal: 429 <c>rate_limited</c>, or 503 <c>transient_error</c> for the global breaker.</summary>
    public static Task RefuseAsync(HttpContext context, Admission refusal, string policy)
    {
        SalesboothMetrics.RateLimitRejection(policy);
        Write(context.Response, refusal, policy);
        var retryAfter = refusal.RetryAfterSeconds;
        var details = new { policy, limit = refusal.Grant?.Limit, reset = refusal.Grant?.ResetAt.ToUnixTimeSeconds() };
        var error = policy switch
        {
            RateLimitPolicies.Global => ApiError.Transient(retryAfter, "The platform is over capacity; all tenants are affected. Retry shortly."),
            RateLimitPolicies.Ip => ApiError.RateLimited(retryAfter, "Too many requests from this IP address"),
            RateLimitPolicies.Burst => ApiError.RateLimited(retryAfter, "Rate limit and burst allowance of this API key exhausted"),
            _ => ApiError.RateLimited(retryAfter, "Rate limit of this API key exceeded"),
        };
        return ApiResults.WriteErrorAsync(context, error with { Details = details });
    }
}
