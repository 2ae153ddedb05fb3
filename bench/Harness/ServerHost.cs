using System.Globalization;
using Grains.Platform.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Harness;

/// <summary>
/// The server role of a benchmark (a child the driver starts with <see cref="ChildProcess"/>): a web app on
/// <c>--port</c>, logging warnings on one line, the silo settings from <c>--cluster-id --silo-port --gateway-port</c>,
/// and the control endpoints every driver uses.
/// </summary>
public static class ServerHost
{
    public static WebApplicationBuilder CreateBuilder(BenchArgs args)
    {
        var port = args.Int("port", 0);
        if (port == 0)
        {
            throw new ArgumentException("--server needs --port");
        }
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], EnvironmentName = "Production" });
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        return builder;
    }

    /// <summary>Loopback silo settings from the server's arguments.</summary>
    public static OrleansSettings Settings(BenchArgs args, string defaultClusterId) => new()
    {
        ClusterId = args.String("cluster-id", defaultClusterId),
        ServiceId = args.String("cluster-id", defaultClusterId),
        SiloPort = args.Int("silo-port", 11111),
        GatewayPort = args.Int("gateway-port", 30000),
        AdvertisedHost = "127.0.0.1",
    };

    /// <summary>
    /// <c>POST /bench/shutdown</c> (graceful stop: the silo leaves the cluster), <c>GET /bench/jit</c> (methods compiled
    /// so far) and <c>GET /bench/alloc</c> (bytes allocated so far: per request it does not depend on how busy the machine is).
    /// </summary>
    public static void MapBenchControl(this WebApplication app)
    {
        app.MapPost("/bench/shutdown", (IHostApplicationLifetime lifetime) =>
        {
            lifetime.StopApplication();
            return Results.Ok();
        });
        // The driver keeps warming an endpoint until the JIT has settled (tiering done), and checks it stayed so.
        app.MapGet("/bench/alloc", () => Results.Text(GC.GetTotalAllocatedBytes().ToString(CultureInfo.InvariantCulture)));
        app.MapGet("/bench/jit", () => Results.Text(System.Runtime.JitInfo.GetCompiledMethodCount().ToString(CultureInfo.InvariantCulture)));
    }
}
