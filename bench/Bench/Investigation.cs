using System.Collections.Concurrent;
using Grains.Platform.Hosting;
using Grains.Platform.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Storage;

namespace Bench;

/// <summary>
/// Extra cluster-server endpoints (<c>--investigate</c> in the driver, <c>--variants</c> in the server) that
/// split the persisted grain write into its parts: the grain call alone, our Orleans SQL without the
/// Orleans provider, and the provider with other serializers.
/// </summary>
public static class Investigation
{
    private const string SqlStateName = "benchsql";

    private static readonly ConcurrentDictionary<long, int> SqlVersions = new();
    private static long sqlConflicts;

    public static long SqlConflicts => Interlocked.Read(ref sqlConflicts);

    /// <summary>
    /// The stock ADO.NET provider as the product configures it with <c>Orleans:GrainStorage=AdoNet</c> (default
    /// serializer), and two more ADO.NET providers that differ from it only in the serializer.
    /// </summary>
    public static void AddVariantStorage(ISiloBuilder silo, string postgres)
    {
        var tuned = PostgresConnectionStrings.Tune(postgres);
        silo.AddAdoNetGrainStorage(BenchServer.AdoNetStorage, o =>
        {
            o.Invariant = OrleansHosting.NpgsqlInvariant;
            o.ConnectionString = tuned;
        });
        silo.AddAdoNetGrainStorage(BenchServer.BinaryStorage, (OptionsBuilder<AdoNetGrainStorageOptions> ob) =>
            ob.Configure<IServiceProvider>((o, services) =>
            {
                o.Invariant = OrleansHosting.NpgsqlInvariant;
                o.ConnectionString = tuned;
                o.GrainStorageSerializer = ActivatorUtilities.CreateInstance<OrleansGrainStorageSerializer>(services);
            }));
        silo.AddAdoNetGrainStorage(BenchServer.StjStorage, (OptionsBuilder<AdoNetGrainStorageOptions> ob) =>
            ob.Configure<IServiceProvider>((o, services) =>
            {
                o.Invariant = OrleansHosting.NpgsqlInvariant;
                o.ConnectionString = tuned;
                o.GrainStorageSerializer = ActivatorUtilities.CreateInstance<SystemTextJsonGrainStorageSerializer>(services);
            }));
    }

    public static void MapEndpoints(WebApplication app, NpgsqlDataSource dataSource, Func<byte[]> template)
    {
        app.MapPost("/grain-touch/{id:long}", (long id, IGrainFactory grains) => grains.GetGrain<IBenchWriteGrain>(id).Touch());
        app.MapPost("/grain-write-adonet/{id:long}", (long id, IGrainFactory grains) => grains.GetGrain<IBenchWriteAdoNetGrain>(id).Write());
        app.MapPost("/grain-write-binary/{id:long}", (long id, IGrainFactory grains) => grains.GetGrain<IBenchWriteBinaryGrain>(id).Write());
        app.MapPost("/grain-write-stj/{id:long}", (long id, IGrainFactory grains) => grains.GetGrain<IBenchWriteStjGrain>(id).Write());
        app.MapPost("/bench/micro", (IServiceProvider services) => Results.Json(MeasureSerializers(services), BenchJson.Default.DictionaryStringDouble));
        app.MapPost("/orleans-sql/{id:long}", async (long id) => new WriteResult(id, await WriteSqlAsync(dataSource, id, template())));
    }

    public static async Task PrepareAsync(IGrainFactory grains, NpgsqlDataSource dataSource, int keyCount, byte[] template, CancellationToken ct)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = ct };
        var keys = Enumerable.Range(0, keyCount);
        await Parallel.ForEachAsync(keys, options, async (i, _) => await grains.GetGrain<IBenchWriteAdoNetGrain>(i).Write());
        await Parallel.ForEachAsync(keys, options, async (i, _) => await grains.GetGrain<IBenchWriteBinaryGrain>(i).Write());
        await Parallel.ForEachAsync(keys, options, async (i, _) => await grains.GetGrain<IBenchWriteStjGrain>(i).Write());
        await Parallel.ForEachAsync(keys, options, async (i, _) => await WriteSqlAsync(dataSource, i, template));
    }

    public static async Task<Dictionary<string, int>> PayloadBytesAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        var result = new Dictionary<string, int>();
        await using var command = dataSource.CreateCommand(
            "SELECT grain_type, max(octet_length(payload)) FROM orleans_storage GROUP BY grain_type");
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result[reader.GetString(0)] = reader.IsDBNull(1) ? 0 : reader.GetInt32(1);
        }
        result["conflicts(" + SqlStateName + ")"] = (int)SqlConflicts;
        return result;
    }

    /// <summary>
    /// Single-thread cost of serializing the bench state with each provider's serializer, as
    /// AdoNetGrainStorage does on every write (Serialize, then ToArray for the bytea parameter).
    /// </summary>
    private static Dictionary<string, double> MeasureSerializers(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptionsMonitor<AdoNetGrainStorageOptions>>();
        var result = new Dictionary<string, double>();
        var state = new BenchState { Counter = 12345, UpdatedAt = DateTimeOffset.UtcNow, Data = new string('x', BenchWriterBase.DataLength) };
        foreach (var (label, name) in new[] { ("default", BenchServer.AdoNetStorage), ("binary", BenchServer.BinaryStorage), ("stj", BenchServer.StjStorage) })
        {
            var serializer = options.Get(name).GrainStorageSerializer;
            const int iterations = 50_000;
            for (var i = 0; i < 2_000; i++)
            {
                _ = serializer.Serialize(state).ToArray();
            }
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var cpu = Environment.CpuUsage.UserTime + Environment.CpuUsage.PrivilegedTime;
            var wall = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 0; i < iterations; i++)
            {
                _ = serializer.Serialize(state).ToArray();
            }
            var cpuUsed = Environment.CpuUsage.UserTime + Environment.CpuUsage.PrivilegedTime - cpu;
            result[$"{label}.serialize.wallNs"] = Math.Round(wall.Elapsed.TotalNanoseconds / iterations);
            result[$"{label}.serialize.processCpuNs"] = Math.Round(cpuUsed.TotalNanoseconds / iterations);
            result[$"{label}.serialize.allocatedBytes"] = (GC.GetAllocatedBytesForCurrentThread() - allocated) / iterations;
            result[$"{label}.payloadBytes"] = serializer.Serialize(state).ToArray().Length;
        }
        return result;
    }

    /// <summary>
    /// Our WriteToStorageKey statement (read from OrleansQuery, as the provider does) with the parameters the
    /// provider sends, through a plain NpgsqlDataSource: the SQL's cost without the Orleans provider.
    /// </summary>
    private static async Task<int> WriteSqlAsync(NpgsqlDataSource dataSource, long id, byte[] template)
    {
        var sql = writeSql ??= await LoadWriteSqlAsync(dataSource);
        var payload = new byte[template.Length];
        template.CopyTo(payload, 0);
        BitConverter.TryWriteBytes(payload, id);
        var etag = SqlVersions.TryGetValue(id, out var v) ? v : (int?)null;

        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<int>("GrainIdHash", unchecked((int)(id * 2654435761L))));
        command.Parameters.Add(new NpgsqlParameter<long>("GrainIdN0", 0L));
        command.Parameters.Add(new NpgsqlParameter<long>("GrainIdN1", id));
        command.Parameters.Add(new NpgsqlParameter<int>("GrainTypeHash", 0x5b3c1a));
        command.Parameters.Add(new NpgsqlParameter<string>("GrainTypeString", SqlStateName));
        command.Parameters.Add(new NpgsqlParameter("GrainIdExtensionString", NpgsqlTypes.NpgsqlDbType.Text) { Value = DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<string>("ServiceId", "bench-cohosted"));
        command.Parameters.Add(new NpgsqlParameter("GrainStateVersion", NpgsqlTypes.NpgsqlDbType.Integer) { Value = etag is { } e ? e : DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<byte[]>("PayloadBinary", payload));
        var result = await command.ExecuteScalarAsync();
        if (result is int version)
        {
            SqlVersions[id] = version;
            return version;
        }
        // Two requests for one key at once: the second carries a stale version (a grain would serialize them).
        Interlocked.Increment(ref sqlConflicts);
        return -1;
    }

    private static string? writeSql;

    private static async Task<string> LoadWriteSqlAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT QueryText FROM OrleansQuery WHERE QueryKey = 'WriteToStorageKey'");
        return (string)(await command.ExecuteScalarAsync() ?? throw new InvalidOperationException("WriteToStorageKey missing"));
    }
}
