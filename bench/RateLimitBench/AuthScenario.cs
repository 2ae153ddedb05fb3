using System.Diagnostics;
using ApiHost.Auth;
using Grains.Interfaces.Tenants;
using Harness;
using Grains.Tenants;

namespace RateLimitBench;

/// <summary>
/// What checking an API key adds to a request: <see cref="ApiKeyAuthenticationMiddleware"/> with a
/// verified key in its cache (hash, lookup, expiry, origin and scope checks), timed per request.
/// </summary>
public static class AuthScenario
{
    public static async Task<ScenarioResult> RunAsync(SiloHost silo, int requests)
    {
        var secret = ApiKeySecrets.Generate("live", "us");
        var tenant = silo.Grains.GetGrain<ITenantGrain>("ten_authbench");
        await tenant.EnsureCreated("auth bench");
        await tenant.CreateApiKey(ApiKeySecrets.Hash(secret),
            new ApiKeyRegistration("ten_authbench", "bench", ApiKeySecrets.PrefixOf(secret), ["customers:read"], "live"));

        var middleware = new ApiKeyAuthenticationMiddleware(_ => Task.CompletedTask, new ApiKeyCache(silo.Grains, TimeProvider.System),
            TimeProvider.System);
        var endpoint = new Endpoint(null, new EndpointMetadataCollection(new RequiredScope("customers:read")), "bench");
        var contexts = Enumerable.Range(0, 1024).Select(_ =>
        {
            var context = new DefaultHttpContext();
            context.Request.Headers.Authorization = "Bearer " + secret;
            context.SetEndpoint(endpoint);
            return context;
        }).ToArray();

        for (var i = 0; i < 100_000; i++)
        {
            await middleware.InvokeAsync(contexts[i % contexts.Length]);
        }
        var samples = new long[requests];
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < requests; i++)
        {
            var context = contexts[i % contexts.Length];
            var started = Stopwatch.GetTimestamp();
            await middleware.InvokeAsync(context);
            samples[i] = Stopwatch.GetTimestamp() - started;
        }
        wall.Stop();
        return ScenarioResult.From("auth-cached-key", "API key check with the key cached: SHA-256, cache lookup, expiry/revocation, origin and scope",
            1, samples, wall.Elapsed, 0, 0);
    }
}
