using System.Runtime;
using System.Text.Json.Serialization;
using Grains.Platform.Health;
using Grains.Platform.Hosting;
using Grains.Platform.Postgres;
using Grains.Platform.Postgres.Storage;
using Harness;
using Grains.Platform.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Storage;

namespace Bench;

/// <summary>
/// The server role (<c>--server --scenario embedded|cluster|silo|client --port P</c>): the product's
/// hosting (<see cref="OrleansHosting"/>) plus the endpoints under test. Started and stopped by the driver.
/// </summary>
public static class BenchServer
{
    public const string WriteStateName = "benchwrite";
    public const string BinaryStorage = "bench-binary";
    public const string StjStorage = "bench-stj";
    public const string AdoNetStorage = "bench-adonet";
    public const string DirectTable = "bench_direct";

    private const string CreateDirectTableSql = $"""
        CREATE TABLE IF NOT EXISTS {DirectTable}
        (
            id          bigint      NOT NULL PRIMARY KEY,
            payload     bytea       NOT NULL,
            version     integer     NOT NULL,
            modified_on timestamptz NOT NULL DEFAULT now()
        ) WITH (fillfactor = 80)
        """;

    // The same shape as the grain-storage write: one upsert on the primary key returning the new version.
    private const string DirectUpsertSql = $"""
        INSERT INTO {DirectTable} AS d (id, payload, version) VALUES ($1, $2, 1)
        ON CONFLICT (id) DO UPDATE
        SET payload = EXCLUDED.payload, version = d.version + 1, modified_on = now()
        RETURNING d.version
        """;

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var scenario = args.String("scenario", "embedded");
        var settings = ServerHost.Settings(args, "bench");
        var grainCount = args.Int("grains", 1000);
        var keyCount = args.Int("keys", 10_000);
        BenchWriterBase.DataLength = args.Int("data-chars", 200);
        var postgres = args.String("postgres");
        var variants = args.Has("variants");

        var builder = ServerHost.CreateBuilder(args);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, BenchJson.Default));
        // The product's telemetry, switched as on ApiHost and Silo (Telemetry__Enabled, Telemetry__Traces, OTEL_* via --server-env).
        builder.AddSalesboothTelemetry("salesbooth-bench");

        NpgsqlDataSource? dataSource = null;
        switch (scenario)
        {
            case "embedded":
                builder.UseOrleans(silo => silo.ConfigureEmbeddedSilo(settings));
                builder.Services.AddHealthReporting(postgresConnectionString: null);
                break;
            case "cluster":
            case "silo":
                postgres = Require(postgres, scenario);
                // Before UseOrleans, as in Silo/Program.cs: the schema exists before the silo joins.
                builder.Services.AddPostgresSchemaMigrations(postgres);
                builder.Services.AddSingleton(new BenchPostgres(postgres));
                builder.UseOrleans(silo =>
                {
                    silo.ConfigureClusterSilo(settings, postgres);
                    if (variants)
                    {
                        Investigation.AddVariantStorage(silo, postgres);
                    }
                });
                builder.Services.AddHealthReporting(postgres);
                if (scenario == "cluster")
                {
                    // The direct path gets the very same tuned connection string as the grain storage.
                    dataSource = NpgsqlDataSource.Create(PostgresConnectionStrings.Tune(postgres));
                    builder.Services.AddSingleton(dataSource);
                }
                break;
            case "client":
                postgres = Require(postgres, scenario);
                builder.UseOrleansClient(client => client.ConfigureClusterClient(settings, postgres));
                builder.Services.AddHealthReporting(postgres);
                break;
            default:
                throw new ArgumentException($"unknown --scenario '{scenario}' (embedded, cluster, silo, client)");
        }

        var app = builder.Build();
        app.MapHealthEndpoints();
        app.MapBenchControl();

        var payloadBytes = 0;
        app.MapGet("/bench/info", (IServiceProvider services) => Results.Json(Describe(services, scenario, payloadBytes), BenchJson.Default.ServerInfo));

        if (scenario is "embedded" or "client")
        {
            app.MapGet("/raw", () => new BenchItem(42, "item-42", 42, DateTimeOffset.UnixEpoch));
            app.MapGet("/grain/{id:long}", (long id, IGrainFactory grains) => grains.GetGrain<IBenchReadGrain>(id).Get());
        }

        if (scenario is "cluster" or "client")
        {
            app.MapPost("/grain-write/{id:long}", (long id, IGrainFactory grains) => grains.GetGrain<IBenchWriteGrain>(id).Write());
        }

        if (dataSource is not null)
        {
            byte[] template = [];
            app.MapPost("/direct/{id:long}", async (long id) =>
            {
                // A fresh payload per request, as a serializer would produce one.
                var payload = new byte[template.Length];
                template.CopyTo(payload, 0);
                BitConverter.TryWriteBytes(payload, id);
                await using var command = dataSource.CreateCommand(DirectUpsertSql);
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
                command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = payload });
                var version = (int)(await command.ExecuteScalarAsync() ?? 0);
                return new WriteResult(id, version);
            });

            app.MapPost("/bench/prepare", async (IGrainFactory grains, CancellationToken ct) =>
            {
                // Every key written once through each path, so the measurement sees steady-state updates of
                // activated grains and existing rows, not activations and first inserts.
                await WriteAllGrainsAsync(grains, keyCount, ct);
                payloadBytes = await GrainPayloadBytesAsync(dataSource, ct);
                template = new byte[payloadBytes];
                Random.Shared.NextBytes(template);
                await using (var command = dataSource.CreateCommand(
                    $"INSERT INTO {DirectTable} (id, payload, version) SELECT g, $1, 1 FROM generate_series(0, $2 - 1) g ON CONFLICT (id) DO NOTHING"))
                {
                    command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = template });
                    command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = keyCount });
                    await command.ExecuteNonQueryAsync(ct);
                }
                if (variants)
                {
                    await Investigation.PrepareAsync(grains, dataSource, keyCount, template, ct);
                }
                await using (var vacuum = dataSource.CreateCommand($"VACUUM ANALYZE {DirectTable}, grain_state, orleans_storage"))
                {
                    await vacuum.ExecuteNonQueryAsync(ct);
                }
                var info = Describe(app.Services, scenario, payloadBytes);
                if (variants)
                {
                    info = info with { VariantPayloadBytes = await Investigation.PayloadBytesAsync(dataSource, ct) };
                }
                return Results.Json(info, BenchJson.Default.ServerInfo);
            });

            if (variants)
            {
                Investigation.MapEndpoints(app, dataSource, () => template);
            }

            app.MapPost("/bench/checkpoint", async (CancellationToken ct) =>
            {
                // Both write scenarios start right after a checkpoint, so full-page writes hit them alike.
                try
                {
                    await using var command = dataSource.CreateCommand("CHECKPOINT");
                    command.CommandTimeout = 120;
                    await command.ExecuteNonQueryAsync(ct);
                    return Results.Ok();
                }
                catch (PostgresException ex)
                {
                    return Results.Text(ex.MessageText, statusCode: StatusCodes.Status409Conflict);
                }
            });
        }
        else if (scenario == "embedded")
        {
            app.MapPost("/bench/prepare", async (IGrainFactory grains) =>
            {
                await Task.WhenAll(Enumerable.Range(0, grainCount).Select(i => grains.GetGrain<IBenchReadGrain>(i).Get()));
                return Results.Json(Describe(app.Services, scenario, 0), BenchJson.Default.ServerInfo);
            });
        }
        else if (scenario == "client")
        {
            app.MapPost("/bench/prepare", async (IGrainFactory grains, CancellationToken ct) =>
            {
                await WriteAllGrainsAsync(grains, keyCount, ct);
                await Task.WhenAll(Enumerable.Range(0, grainCount).Select(i => grains.GetGrain<IBenchReadGrain>(i).Get()));
                return Results.Json(Describe(app.Services, scenario, 0), BenchJson.Default.ServerInfo);
            });
        }

        if (dataSource is not null)
        {
            await using var create = dataSource.CreateCommand(CreateDirectTableSql);
            await create.ExecuteNonQueryAsync();
        }

        await app.RunAsync();
        if (dataSource is not null)
        {
            await dataSource.DisposeAsync();
        }
        return 0;
    }

    private static string Require(string? postgres, string scenario) =>
        string.IsNullOrWhiteSpace(postgres) ? throw new ArgumentException($"--scenario {scenario} needs --postgres") : postgres;

    private static Task WriteAllGrainsAsync(IGrainFactory grains, int keyCount, CancellationToken ct) =>
        Parallel.ForEachAsync(
            Enumerable.Range(0, keyCount),
            new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = ct },
            async (i, _) => await grains.GetGrain<IBenchWriteGrain>(i).Write());

    /// <summary>The stored size of the grain-write state, read from whichever table the default provider uses.</summary>
    internal static async Task<int> GrainPayloadBytesAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT octet_length(payload) FROM grain_state WHERE state_name = $1 AND payload IS NOT NULL " +
            "UNION ALL SELECT octet_length(payload) FROM orleans_storage WHERE grain_type = $1 AND payload IS NOT NULL LIMIT 1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = WriteStateName });
        return await command.ExecuteScalarAsync(ct) is int length
            ? length
            : throw new InvalidOperationException($"no '{WriteStateName}' row in grain_state or orleans_storage after the prepare writes");
    }

    private static ServerInfo Describe(IServiceProvider services, string scenario, int payloadBytes)
    {
        ThreadPool.GetMinThreads(out var minWorkers, out _);
        string? serializer = null;
        string? storageConnection = null;
        string? provider = null;
        if (scenario is "cluster" or "silo")
        {
            var storage = services.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);
            provider = storage.GetType().FullName;
            if (storage is PostgresGrainStorage)
            {
                // Our provider takes the silo's registered serializer and the process-wide data source (tuned string).
                serializer = services.GetRequiredService<IGrainStorageSerializer>().GetType().FullName;
                storageConnection = PostgresDataSource.For(services.GetRequiredService<BenchPostgres>().ConnectionString).ConnectionString;
            }
            else
            {
                var options = services.GetRequiredService<IOptionsMonitor<AdoNetGrainStorageOptions>>()
                    .Get(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);
                serializer = options.GrainStorageSerializer?.GetType().FullName;
                storageConnection = options.ConnectionString;
            }
            storageConnection = new NpgsqlConnectionStringBuilder(storageConnection) { Password = null }.ConnectionString;
        }

        return new ServerInfo(
            scenario,
            Environment.ProcessId,
            Environment.ProcessorCount,
            GCSettings.IsServerGC,
            GCSettings.LatencyMode.ToString(),
            minWorkers,
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            serializer,
            storageConnection,
            payloadBytes)
        {
            StorageProvider = provider,
        };
    }
}

/// <summary>The connection string the cluster server was given, for describing the storage it uses.</summary>
public sealed record BenchPostgres(string ConnectionString);

public sealed record ServerInfo(
    string Scenario,
    int ProcessId,
    int ProcessorCount,
    bool ServerGc,
    string GcLatencyMode,
    int MinWorkerThreads,
    string Runtime,
    string? StorageSerializer,
    string? StorageConnectionString,
    int PayloadBytes)
{
    /// <summary>Type of the default grain storage provider (cluster and silo servers).</summary>
    public string? StorageProvider { get; init; }

    /// <summary>Investigation runs only: stored payload size per state name.</summary>
    public Dictionary<string, int>? VariantPayloadBytes { get; init; }
}

[JsonSerializable(typeof(BenchItem))]
[JsonSerializable(typeof(WriteResult))]
[JsonSerializable(typeof(ServerInfo))]
[JsonSerializable(typeof(Dictionary<string, int>))]
[JsonSerializable(typeof(Dictionary<string, double>))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class BenchJson : JsonSerializerContext;
