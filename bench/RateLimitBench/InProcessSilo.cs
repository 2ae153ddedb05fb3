using Grains.Interfaces.RateLimiting;
using Harness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace RateLimitBench;

/// <summary>
/// A co-hosted in-memory silo, as in the embedded topology: the limiter grains run here and the
/// benchmark's ApiHost side calls them through the same process's grain factory. Counts lease calls.
/// </summary>
public static class InProcessSilo
{
    private static long leaseCalls;

    public static long LeaseCalls => Interlocked.Read(ref leaseCalls);

    public static Task<SiloHost> StartAsync() => SiloHost.StartAsync(builder =>
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(Ports.Free(), Ports.Free(), serviceId: "ratelimit-bench", clusterId: "ratelimit-bench")
            .AddMemoryGrainStorageAsDefault()
            .AddIncomingGrainCallFilter(call =>
            {
                if (call.InterfaceMethod?.Name == nameof(IRateLimiterGrain.Lease))
                {
                    Interlocked.Increment(ref leaseCalls);
                }
                return call.Invoke();
            }));
    });
}
