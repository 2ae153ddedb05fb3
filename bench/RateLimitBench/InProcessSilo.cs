using System.Net;
using System.Net.Sockets;
using Grains.Interfaces.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace RateLimitBench;

/// <summary>
/// A co-hosted in-memory silo, as in the embedded topology: the limiter grains run here and the
/// benchmark's ApiHost side calls them through the same process's grain factory. Counts lease calls.
/// </summary>
public sealed class InProcessSilo : IAsyncDisposable
{
    private static long leaseCalls;

    private readonly IHost host;

    private InProcessSilo(IHost host) => this.host = host;

    public IGrainFactory Grains => host.Services.GetRequiredService<IGrainFactory>();

    public static long LeaseCalls => Interlocked.Read(ref leaseCalls);

    public static async Task<InProcessSilo> StartAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(FreePort(), FreePort(), serviceId: "ratelimit-bench", clusterId: "ratelimit-bench")
            .AddMemoryGrainStorageAsDefault()
            .AddIncomingGrainCallFilter(call =>
            {
                if (call.InterfaceMethod?.Name == nameof(IRateLimiterGrain.Lease))
                {
                    Interlocked.Increment(ref leaseCalls);
                }
                return call.Invoke();
            }));
        var host = builder.Build();
        await host.StartAsync();
        return new InProcessSilo(host);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
