using System.Net;
using Grains.Platform.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Storage;
using Tests.Infrastructure;

namespace Tests.Platform;

/// <summary>A real silo (persistence, optimistic concurrency, membership, reminders) on the migrated schema.</summary>
public sealed partial class SchemaMigrationTests
{
    [PostgresFact]
    public async Task A_silo_runs_on_the_migrated_schema_with_persistence_concurrency_and_membership()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("schema_silo");
        var clusterId = $"smoke-{Guid.NewGuid():N}"[..16];
        var (siloPort, gatewayPort) = (TestPorts.Free(), TestPorts.Free());
        using var silo = await StartSiloAsync(connectionString, clusterId, siloPort, gatewayPort);
        try
        {
            await using var connection = await OpenAsync(connectionString);

            // Membership: the silo's own row, Active, with its endpoints; the table version moved with it.
            var siloAddress = silo.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
            await using (var members = new NpgsqlCommand(
                "SELECT address, port, generation, status, proxy_port, silo_name, host_name, start_time, i_am_alive_time " +
                "FROM orleans_membership WHERE deployment_id = @d", connection))
            {
                members.Parameters.AddWithValue("d", clusterId);
                await using var reader = await members.ExecuteReaderAsync();
                Assert.True(await reader.ReadAsync());
                Assert.Equal("127.0.0.1", reader.GetString(0));
                Assert.Equal(siloPort, reader.GetInt32(1));
                Assert.Equal(siloAddress.Generation, reader.GetInt32(2));
                Assert.Equal((int)SiloStatus.Active, reader.GetInt32(3));
                Assert.Equal(gatewayPort, reader.GetInt32(4));
                Assert.False(string.IsNullOrEmpty(reader.GetString(5)));
                Assert.False(string.IsNullOrEmpty(reader.GetString(6)));
                Assert.InRange(reader.GetDateTime(7), DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1));
                Assert.True(reader.GetDateTime(8) >= reader.GetDateTime(7).AddSeconds(-1));
                Assert.False(await reader.ReadAsync(), "exactly one silo row");
            }

            var version = await ScalarAsync<int>(connection, $"SELECT version FROM orleans_membership_version WHERE deployment_id = '{clusterId}'");
            Assert.True(version >= 2, $"joining and becoming active each bump the table version (got {version})");

            await VerifyMembershipTableAsync(silo.Services.GetRequiredService<IMembershipTable>(), siloAddress, connection, clusterId);

            // A client finds the gateway through GatewaysQueryKey, and a grain round-trips its state.
            using var clientHost = await StartClientAsync(connectionString, clusterId);
            var client = clientHost.Services.GetRequiredService<IClusterClient>();
            var grain = client.GetGrain<ISchemaSmokeGrain>("persisted");
            var first = await grain.Write("one");
            Assert.Equal("1", first.ETag);
            var second = await grain.Write("two");
            Assert.Equal("2", second.ETag);
            await grain.Deactivate();
            var reread = await Eventually.Get(() => grain.Read(), s => s.Value == "two", TimeSpan.FromSeconds(10), "state after reactivation");
            Assert.Equal(new SchemaSmokeSnapshot("two", "2", true), reread);

            var stored = await ScalarAsync<int>(connection,
                "SELECT count(*)::int FROM orleans_storage WHERE version = 2 AND payload IS NOT NULL AND grain_id_ext = 'persisted'");
            Assert.Equal(1, stored);

            var cleared = await grain.Clear();
            Assert.Equal(new SchemaSmokeSnapshot(null, "3", false), cleared);
            Assert.Equal("4", (await grain.Write("three")).ETag);

            await VerifyOptimisticConcurrencyAsync(silo.Services);
        }
        finally
        {
            await silo.StopAsync();
        }
    }

    [PostgresFact]
    public async Task A_silo_runs_reminders_on_the_migrated_schema()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("schema_reminders");
        var clusterId = $"smoke-{Guid.NewGuid():N}"[..16];
        using var silo = await StartSiloAsync(connectionString, clusterId, TestPorts.Free(), TestPorts.Free());
        try
        {
            await using var connection = await OpenAsync(connectionString);
            var grains = silo.Services.GetRequiredService<IGrainFactory>();

            // A reminder that fires proves registration (upsert) and the silo's ring-range reads work.
            var key = $"ticker-{Guid.NewGuid():N}";
            var ticker = grains.GetGrain<ISchemaSmokeGrain>(key);
            await ticker.StartReminder(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            Assert.True(await ticker.HasReminder());
            var rows = await ScalarAsync<int>(connection,
                $"SELECT count(*)::int FROM orleans_reminders WHERE service_id = '{clusterId}' AND grain_id LIKE '%{key}%'");
            Assert.Equal(1, rows);
            await Eventually.Get(() => Task.FromResult(SchemaSmokeGrain.Ticks.GetValueOrDefault(key)), n => n >= 2,
                TimeSpan.FromSeconds(30), "two reminder ticks");

            await ticker.StopReminder();
            Assert.False(await ticker.HasReminder());
            rows = await ScalarAsync<int>(connection,
                $"SELECT count(*)::int FROM orleans_reminders WHERE service_id = '{clusterId}' AND grain_id LIKE '%{key}%'");
            Assert.Equal(0, rows);

            await VerifyReminderTableAsync(silo.Services.GetRequiredService<IReminderTable>());
        }
        finally
        {
            await silo.StopAsync();
        }
    }

    /// <summary>Two "activations" of one grain, straight against the storage provider.</summary>
    private static async Task VerifyOptimisticConcurrencyAsync(IServiceProvider services)
    {
        var storage = services.GetRequiredKeyedService<IGrainStorage>(SchemaSmokeGrain.StorageName);
        const string grainType = "schema-smoke-direct";
        GrainId[] ids =
        [
            GrainId.Create("smoke", "string-key"),
            GrainId.Create(GrainType.Create("smoke"), GrainIdKeyExtensions.CreateIntegerKey(42)),
            GrainId.Create(GrainType.Create("smoke"), GrainIdKeyExtensions.CreateIntegerKey(42, "ext")),
            GrainId.Create(GrainType.Create("smoke"), GrainIdKeyExtensions.CreateGuidKey(Guid.NewGuid())),
            GrainId.Create(GrainType.Create("smoke"), GrainIdKeyExtensions.CreateGuidKey(Guid.NewGuid(), "ext")),
        ];

        foreach (var id in ids)
        {
            var a = new GrainState<SchemaSmokeState>(new SchemaSmokeState());
            var b = new GrainState<SchemaSmokeState>(new SchemaSmokeState());
            await storage.ReadStateAsync(grainType, id, a);
            await storage.ReadStateAsync(grainType, id, b);
            Assert.Null(a.ETag);
            Assert.False(a.RecordExists);

            a.State = new SchemaSmokeState { Value = $"a1 {id}" };
            await storage.WriteStateAsync(grainType, id, a);
            Assert.Equal("1", a.ETag);

            // b never saw the row: its "first insert" must not overwrite a's.
            b.State = new SchemaSmokeState { Value = "b1" };
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(grainType, id, b));

            await storage.ReadStateAsync(grainType, id, b);
            Assert.Equal(("1", true, $"a1 {id}"), (b.ETag, b.RecordExists, b.State?.Value));

            a.State = new SchemaSmokeState { Value = "a2" };
            await storage.WriteStateAsync(grainType, id, a);
            Assert.Equal("2", a.ETag);

            // b's etag 1 is stale now: write and clear are refused, and the row keeps a's state.
            b.State = new SchemaSmokeState { Value = "b2" };
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(grainType, id, b));
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(grainType, id, b));
            var check = new GrainState<SchemaSmokeState>(new SchemaSmokeState());
            await storage.ReadStateAsync(grainType, id, check);
            Assert.Equal(("2", "a2"), (check.ETag, check.State?.Value));

            // Clearing keeps the row with a NULL payload and a new version; the etag keeps working.
            await storage.ClearStateAsync(grainType, id, a);
            Assert.Equal(("3", false), (a.ETag, a.RecordExists));
            await storage.ReadStateAsync(grainType, id, check);
            Assert.Equal(("3", false), (check.ETag, check.RecordExists));
            a.State = new SchemaSmokeState { Value = "a3" };
            await storage.WriteStateAsync(grainType, id, a);
            Assert.Equal("4", a.ETag);
        }

        // DeleteStateOnClear=true goes through DeleteStorageKey: the row is gone, the etag forgotten.
        var deleting = services.GetRequiredKeyedService<IGrainStorage>(DeleteOnClearStore);
        var deleteId = GrainId.Create("smoke", "delete-me");
        var state = new GrainState<SchemaSmokeState>(new SchemaSmokeState { Value = "x" });
        await deleting.WriteStateAsync(grainType, deleteId, state);
        var stale = new GrainState<SchemaSmokeState>(new SchemaSmokeState());
        await deleting.ReadStateAsync(grainType, deleteId, stale);
        await deleting.WriteStateAsync(grainType, deleteId, state);
        await Assert.ThrowsAsync<InconsistentStateException>(() => deleting.ClearStateAsync(grainType, deleteId, stale));
        await deleting.ClearStateAsync(grainType, deleteId, state);
        Assert.Equal((null, false), (state.ETag, state.RecordExists));
        var after = new GrainState<SchemaSmokeState>(new SchemaSmokeState());
        await deleting.ReadStateAsync(grainType, deleteId, after);
        Assert.Equal((null, false), (after.ETag, after.RecordExists));
        await deleting.WriteStateAsync(grainType, deleteId, state);
        Assert.Equal("1", state.ETag);
    }

    /// <summary>The membership queries beyond what start-up exercised: lost races, heartbeat, cleanup.</summary>
    private static async Task VerifyMembershipTableAsync(IMembershipTable table, SiloAddress self, NpgsqlConnection connection, string clusterId)
    {
        var all = await table.ReadAllAsync();
        var (entry, etag) = Assert.Single(all.Members);
        Assert.Equal(self, entry.SiloAddress);
        Assert.Equal(all.Version.VersionEtag, etag);

        var row = await table.ReadRowAsync(self);
        Assert.Equal(self, Assert.Single(row.Members).Item1.SiloAddress);
        var missing = await table.ReadRowAsync(SiloAddress.New(IPAddress.Parse("10.1.2.3"), 1, 1));
        Assert.Empty(missing.Members);

        var ghost = new MembershipEntry
        {
            SiloAddress = SiloAddress.New(IPAddress.Parse("10.9.9.9"), 11111, 42),
            SiloName = "ghost",
            HostName = "ghost-host",
            Status = SiloStatus.Dead,
            ProxyPort = 0,
            StartTime = DateTime.UtcNow.AddHours(-2),
            IAmAliveTime = DateTime.UtcNow.AddHours(-2),
        };

        // Insert with a stale table version loses (false, nothing written); with the current one it wins.
        var current = await table.ReadAllAsync();
        var stale = new TableVersion(current.Version.Version - 1, (current.Version.Version - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.False(await table.InsertRowAsync(ghost, stale.Next()));
        Assert.True(await table.InsertRowAsync(ghost, current.Version.Next()));
        Assert.False(await table.InsertRowAsync(ghost, current.Version.Next()), "the same etag cannot be used twice");
        var afterInsert = await table.ReadAllAsync();
        Assert.Equal(current.Version.Version + 1, afterInsert.Version.Version);
        Assert.Equal(2, afterInsert.Members.Count);

        // Update: stale version refused, current accepted (and it bumps the version).
        ghost.SuspectTimes = [Tuple.Create(self, DateTime.UtcNow.AddHours(-2))];
        Assert.False(await table.UpdateRowAsync(ghost, current.Version.VersionEtag, current.Version.Next()));
        Assert.True(await table.UpdateRowAsync(ghost, afterInsert.Version.VersionEtag, afterInsert.Version.Next()));
        var afterUpdate = await table.ReadRowAsync(ghost.SiloAddress);
        Assert.Equal(afterInsert.Version.Version + 1, afterUpdate.Version.Version);
        var updatedGhost = Assert.Single(afterUpdate.Members).Item1;
        Assert.Equal(self, Assert.Single(updatedGhost.SuspectTimes ?? []).Item1);

        // Heartbeat does not move the version.
        ghost.IAmAliveTime = DateTime.UtcNow.AddHours(-1);
        await table.UpdateIAmAliveAsync(ghost);
        var afterAlive = await table.ReadRowAsync(ghost.SiloAddress);
        Assert.Equal(afterUpdate.Version.Version, afterAlive.Version.Version);
        Assert.InRange(Assert.Single(afterAlive.Members).Item1.IAmAliveTime, ghost.IAmAliveTime.AddSeconds(-1), ghost.IAmAliveTime.AddSeconds(1));

        // Cleanup removes the long-dead ghost and keeps the live silo.
        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddMinutes(-30));
        var afterCleanup = await table.ReadAllAsync();
        Assert.Equal(self, Assert.Single(afterCleanup.Members).Item1.SiloAddress);

        // Deleting another deployment's entries leaves ours alone.
        await table.DeleteMembershipTableEntriesAsync("some-other-cluster");
        Assert.Equal(1, await ScalarAsync<int>(connection, $"SELECT count(*)::int FROM orleans_membership WHERE deployment_id = '{clusterId}'"));
    }

    /// <summary>Ring-range reads against a table of reminders with known hashes, including wrapping ranges.</summary>
    private static async Task VerifyReminderTableAsync(IReminderTable table)
    {
        var entries = Enumerable.Range(0, 64)
            .Select(i => new ReminderEntry
            {
                GrainId = GrainId.Create("smoke-range", $"g{i}"),
                ReminderName = "r",
                StartAt = DateTime.UtcNow.AddHours(1),
                Period = i == 0 ? TimeSpan.FromDays(40) : TimeSpan.FromMinutes(i), // > int.MaxValue ms for one
            })
            .ToArray();
        foreach (var entry in entries)
        {
            entry.ETag = await table.UpsertRow(entry);
        }

        var hashes = entries.Select(e => e.GrainId.GetUniformHashCode()).ToArray();
        var sorted = hashes.Order().ToArray();
        uint[] bounds = [0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, sorted[10], sorted[40], sorted[^1], sorted[0], 0x7FFFFFF0, 0x80000010];
        foreach (var begin in bounds)
        {
            foreach (var end in bounds)
            {
                var expected = entries.Where((_, i) => InRing(hashes[i], begin, end)).Select(e => e.GrainId).OrderBy(g => g.ToString()).ToArray();
                var actual = (await table.ReadRows(begin, end)).Reminders.Where(r => r.GrainId.Type.ToString() == "smoke-range")
                    .Select(r => r.GrainId).OrderBy(g => g.ToString()).ToArray();
                Assert.True(expected.SequenceEqual(actual), $"range ({begin:X8}, {end:X8}]: expected {expected.Length}, got {actual.Length}");
            }
        }

        var one = await table.ReadRow(entries[0].GrainId, "r");
        Assert.NotNull(one);
        Assert.Equal(TimeSpan.FromDays(40), one.Period);
        Assert.Equal(entries[0].ETag, one.ETag);
        Assert.Single((await table.ReadRows(entries[0].GrainId)).Reminders);

        var newEtag = await table.UpsertRow(entries[0]);
        Assert.NotEqual(entries[0].ETag, newEtag);
        Assert.False(await table.RemoveRow(entries[0].GrainId, "r", entries[0].ETag!), "stale etag must not delete");
        Assert.True(await table.RemoveRow(entries[0].GrainId, "r", newEtag!));
        Assert.Null(await table.ReadRow(entries[0].GrainId, "r"));

        await table.TestOnlyClearTable();
        Assert.Empty((await table.ReadRows(0, 0)).Reminders);

        // (begin, end] on the uint ring; begin == end is the whole ring.
        static bool InRing(uint hash, uint begin, uint end) =>
            begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;
    }

    private const string DeleteOnClearStore = "schema-smoke-delete";

    private static async Task<IHost> StartSiloAsync(string connectionString, string clusterId, int siloPort, int gatewayPort)
    {
        var tuned = PostgresConnectionStrings.Tune(connectionString);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddPostgresSchemaMigrations(connectionString);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = clusterId;
                    o.ServiceId = clusterId;
                })
                .ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort)
                .UseAdoNetClustering(o =>
                {
                    o.Invariant = Invariant;
                    o.ConnectionString = tuned;
                })
                .AddAdoNetGrainStorage(SchemaSmokeGrain.StorageName, o =>
                {
                    o.Invariant = Invariant;
                    o.ConnectionString = tuned;
                })
                .AddAdoNetGrainStorage(DeleteOnClearStore, o =>
                {
                    o.Invariant = Invariant;
                    o.ConnectionString = tuned;
                    o.DeleteStateOnClear = true;
                })
                .UseAdoNetReminderService(o =>
                {
                    o.Invariant = Invariant;
                    o.ConnectionString = tuned;
                })
                .Configure<ReminderOptions>(o =>
                {
                    o.MinimumReminderPeriod = TimeSpan.FromSeconds(1);
                    o.RefreshReminderListPeriod = TimeSpan.FromSeconds(1);
                    o.InitializationTimeout = TimeSpan.FromSeconds(30);
                });
        });

        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task<IHost> StartClientAsync(string connectionString, string clusterId)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client => client
            .Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = clusterId;
            })
            .UseAdoNetClustering(o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = PostgresConnectionStrings.Tune(connectionString);
            }));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
