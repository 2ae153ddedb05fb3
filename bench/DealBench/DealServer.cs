using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using ApiHost;
using ApiHost.Platform;
using Grains.Platform.Health;
using Grains.Platform.Hosting;
using Grains.Platform.Postgres;
using Harness;

namespace DealBench;

/// <summary>
/// The server role (<c>--server --mode cluster|embedded --port P</c>): ApiHost's own composition (<c>AddApi</c>,
/// <c>UseApiPipeline</c>, <c>MapApiEndpoints</c>, the bootstrap admin key) on a silo wired by <see cref="OrleansHosting"/>:
/// in cluster mode a co-hosted <c>ConfigureClusterSilo</c> on PostgreSQL (migrated first, as Silo/Program.cs does),
/// in embedded mode ApiHost's default <c>ConfigureEmbeddedSilo</c>. Plus <c>/bench/*</c> endpoints for the driver.
/// </summary>
public static class DealServer
{
    public static async Task<int> RunAsync(BenchArgs options)
    {
        var mode = options.String("mode", "cluster");
        var settings = ServerHost.Settings(options, "deal-bench");
        var builder = ServerHost.CreateBuilder(options);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ConfigurationKeys.BootstrapAdminKey] = options.Require("admin-key"),
            // 64 closed-loop workers on one key from one address: the product's limits would throttle the bench
            // itself, so they are set far above anything one machine can send (as the tests do).
            ["RateLimits:KeyPerMinute"] = "100000000",
            ["RateLimits:IpAuthenticatedPerHour"] = "1000000000",
            ["RateLimits:IpUnauthenticatedPerHour"] = "1000000000",
            ["RateLimits:GlobalPerMinute"] = "1000000000",
        });

        HostingMode hostingMode;
        switch (mode)
        {
            case "cluster":
                var postgres = options.Require("postgres");
                // Before UseOrleans: the schema exists before the silo joins.
                builder.Services.AddPostgresSchemaMigrations(postgres);
                builder.UseOrleans(silo => silo.ConfigureClusterSilo(settings, postgres));
                builder.Services.AddHealthReporting(postgres);
                // A silo that serves the API itself: the bootstrap key is created like in any non-embedded mode.
                hostingMode = HostingMode.Client;
                break;
            case "embedded":
                builder.UseOrleans(silo => silo.ConfigureEmbeddedSilo(settings));
                builder.Services.AddHealthReporting(postgresConnectionString: null);
                hostingMode = HostingMode.Embedded;
                break;
            default:
                throw new ArgumentException($"unknown --mode '{mode}' (cluster, embedded)");
        }
        builder.Services.AddBootstrapAdminKey(builder.Configuration, hostingMode);
        builder.Services.AddApi();

        using var npgsql = new NpgsqlCommandCounter();
        var app = builder.Build();
        app.UseApiPipeline();
        app.MapHealthEndpoints();
        app.MapApiEndpoints();
        app.MapBenchControl();
        app.MapGet("/bench/npgsql", () => Results.Json(npgsql.Snapshot()));
        await app.RunAsync();
        return 0;
    }
}

/// <summary>
/// Counts Npgsql's own metrics (meter <c>Npgsql</c>) in this process: the measurements of its command-duration
/// instrument are the commands sent, a second view of the round trips next to PostgreSQL's commit counter.
/// </summary>
public sealed class NpgsqlCommandCounter : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<string, long> counts = new(StringComparer.Ordinal);

    public NpgsqlCommandCounter()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name.StartsWith("Npgsql", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, _, _, _) => Count(instrument));
        listener.SetMeasurementEventCallback<long>((instrument, _, _, _) => Count(instrument));
        listener.SetMeasurementEventCallback<int>((instrument, _, _, _) => Count(instrument));
        listener.Start();
    }

    private void Count(Instrument instrument) => counts.AddOrUpdate(instrument.Name, 1, (_, n) => n + 1);

    public Dictionary<string, long> Snapshot() => new(counts, StringComparer.Ordinal);

    public void Dispose() => listener.Dispose();
}
