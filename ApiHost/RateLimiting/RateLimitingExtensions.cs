using Grains.Interfaces.RateLimiting;

namespace ApiHost.RateLimiting;

public static class RateLimitingExtensions
{
    /// <summary>The <c>RateLimits</c> settings and the per-ApiHost lease cache.</summary>
    public static IServiceCollection AddRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<RateLimitSettings>().BindConfiguration(RateLimitSettings.SectionName);
        services.AddSingleton<LeasedLimiter>();
        return services;
    }
}
