using System.Data;
using System.Net;
using System.Text.RegularExpressions;
using Grains.Platform.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Storage;
using Tests.Infrastructure;

namespace Tests.Platform;

/// <summary>
/// Our PostgreSQL schema for the Orleans ADO.NET providers and the migrator that installs it: idempotence,
/// concurrent start-up, checksum protection, the query contract, and a real silo running on it.
/// </summary>
public sealed partial class SchemaMigrationTests
{
    private const string Invariant = "Npgsql";

    private static readonly string[] OrleansTables =
        ["orleansquery", "orleans_membership_version", "orleans_membership", "orleans_storage", "orleans_reminders"];

    // What the 10.4.2 providers bind per query (from the provider code) and the result columns they read
    // (null = the provider only executes it; "" = it reads exactly one unnamed column).
    private static readonly string[] StorageKey =
        ["GrainIdHash", "GrainIdN0", "GrainIdN1", "GrainTypeHash", "GrainTypeString", "GrainIdExtensionString", "ServiceId"];

    private static readonly string[] MembershipColumns =
        ["Version", "Address", "Port", "Generation", "SiloName", "HostName", "Status", "ProxyPort", "SuspectTimes", "StartTime", "IAmAliveTime"];

    private static readonly string[] ReminderColumns = ["GrainId", "ReminderName", "StartTime", "Period", "Version"];

    private static readonly Dictionary<string, (string[] Parameters, string[]? Columns)> Contract = new()
    {
        ["GatewaysQueryKey"] = (["DeploymentId", "Status"], ["Address", "ProxyPort", "Generation"]),
        ["MembershipReadRowKey"] = (["DeploymentId", "Address", "Port", "Generation"], MembershipColumns),
        ["MembershipReadAllKey"] = (["DeploymentId"], MembershipColumns),
        ["InsertMembershipVersionKey"] = (["DeploymentId"], [""]),
        ["UpdateIAmAlivetimeKey"] = (["DeploymentId", "Address", "Port", "Generation", "IAmAliveTime"], null),
        ["InsertMembershipKey"] = (["DeploymentId", "IAmAliveTime", "SiloName", "HostName", "Address", "Port", "Generation", "StartTime", "Status", "ProxyPort", "Version"], [""]),
        ["UpdateMembershipKey"] = (["DeploymentId", "Address", "Port", "Generation", "IAmAliveTime", "Status", "SuspectTimes", "Version"], [""]),
        ["DeleteMembershipTableEntriesKey"] = (["DeploymentId"], null),
        ["CleanupDefunctSiloEntriesKey"] = (["DeploymentId", "IAmAliveTime"], null),
        ["ReadReminderRowsKey"] = (["ServiceId", "GrainId"], ReminderColumns),
        ["ReadReminderRowKey"] = (["ServiceId", "GrainId", "ReminderName"], ReminderColumns),
        ["ReadRangeRows1Key"] = (["ServiceId", "BeginHash", "EndHash"], ReminderColumns),
        ["ReadRangeRows2Key"] = (["ServiceId", "BeginHash", "EndHash"], ReminderColumns),
        ["UpsertReminderRowKey"] = (["ServiceId", "GrainHash", "GrainId", "ReminderName", "StartTime", "Period"], ["Version"]),
        ["DeleteReminderRowKey"] = (["ServiceId", "GrainId", "ReminderName", "Version"], [""]),
        ["DeleteReminderRowsKey"] = (["ServiceId"], null),
        ["ReadFromStorageKey"] = (StorageKey, ["PayloadBinary", "Version"]),
        ["WriteToStorageKey"] = ([.. StorageKey, "GrainStateVersion", "PayloadBinary"], ["NewGrainStateVersion"]),
        ["ClearStorageKey"] = ([.. StorageKey, "GrainStateVersion"], [""]),
        ["DeleteStorageKey"] = ([.. StorageKey, "GrainStateVersion"], [""]),
    };

    // The types the providers' parameters arrive with (DbType as Npgsql maps it).
    private static readonly Dictionary<string, NpgsqlDbType> ParameterTypes = new()
    {
        ["DeploymentId"] = NpgsqlDbType.Text, ["Address"] = NpgsqlDbType.Text, ["Port"] = NpgsqlDbType.Integer,
        ["Generation"] = NpgsqlDbType.Integer, ["SiloName"] = NpgsqlDbType.Text, ["HostName"] = NpgsqlDbType.Text,
        ["Status"] = NpgsqlDbType.Integer, ["ProxyPort"] = NpgsqlDbType.Integer, ["SuspectTimes"] = NpgsqlDbType.Text,
        ["StartTime"] = NpgsqlDbType.TimestampTz, ["IAmAliveTime"] = NpgsqlDbType.TimestampTz, ["Version"] = NpgsqlDbType.Integer,
        ["ServiceId"] = NpgsqlDbType.Text, ["GrainId"] = NpgsqlDbType.Text, ["ReminderName"] = NpgsqlDbType.Text,
        ["Period"] = NpgsqlDbType.Bigint, ["GrainHash"] = NpgsqlDbType.Integer, ["BeginHash"] = NpgsqlDbType.Integer,
        ["EndHash"] = NpgsqlDbType.Integer, ["GrainIdHash"] = NpgsqlDbType.Integer, ["GrainIdN0"] = NpgsqlDbType.Bigint,
        ["GrainIdN1"] = NpgsqlDbType.Bigint, ["GrainTypeHash"] = NpgsqlDbType.Integer, ["GrainTypeString"] = NpgsqlDbType.Text,
        ["GrainIdExtensionString"] = NpgsqlDbType.Text, ["GrainStateVersion"] = NpgsqlDbType.Integer, ["PayloadBinary"] = NpgsqlDbType.Bytea,
    };

    [GeneratedRegex(@"(?<![@\w])@(\w+)")]
    private static partial Regex ParameterPattern();

    private static SchemaMigrator Migrator(string connectionString) => new(connectionString, NullLogger<SchemaMigrator>.Instance);

    private static string[] AllMigrations => [.. SchemaMigrator.LoadMigrations().Select(m => m.FullName)];

    [PostgresFact]
    public async Task Migrating_twice_applies_each_migration_once_and_leaves_the_complete_schema()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("schema_twice");
        Assert.Subset(AllMigrations.ToHashSet(), new HashSet<string> { "0001_orleans_clustering", "0002_orleans_persistence", "0003_orleans_reminders" });

        var first = await Migrator(connectionString).MigrateAsync();
        var second = await Migrator(connectionString).MigrateAsync();

        Assert.Equal(AllMigrations, first);
        Assert.Empty(second);

        // Every script is also safe to run again by itself (IF NOT EXISTS / ON CONFLICT).
        await using var connection = await OpenAsync(connectionString);
        foreach (var migration in SchemaMigrator.LoadMigrations())
        {
            await using var rerun = new NpgsqlCommand(migration.Sql, connection);
            await rerun.ExecuteNonQueryAsync();
        }

        var tables = await ReadColumnAsync<string>(connection,
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'");
        Assert.Subset(tables.ToHashSet(), new HashSet<string>([.. OrleansTables, "schema_migrations"]));

        var recorded = await ReadColumnAsync<int>(connection, "SELECT version FROM schema_migrations ORDER BY version");
        Assert.Equal(SchemaMigrator.LoadMigrations().Select(m => m.Version), recorded);

        var keys = await ReadColumnAsync<string>(connection, "SELECT querykey FROM orleansquery");
        Assert.Subset(keys.ToHashSet(), Contract.Keys.ToHashSet());
        Assert.Equal(keys.Count, keys.Distinct().Count());

        // The reminder ring reads need their index.
        var indexes = await ReadColumnAsync<string>(connection,
            "SELECT indexname::text FROM pg_indexes WHERE tablename = 'orleans_reminders'");
        Assert.Contains("orleans_reminders_hash_ix", indexes);
    }

    [PostgresFact]
    public async Task Every_query_matches_the_provider_contract()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("schema_contract");
        await Migrator(connectionString).MigrateAsync();
        await using var connection = await OpenAsync(connectionString);

        var queries = new Dictionary<string, string>();
        await using (var read = new NpgsqlCommand("SELECT QueryKey, QueryText FROM OrleansQuery", connection))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                queries[reader.GetString(0)] = reader.GetString(1);
            }
        }

        foreach (var (key, (parameters, columns)) in Contract)
        {
            var sql = queries[key];
            var used = ParameterPattern().Matches(sql).Select(m => m.Groups[1].Value).Distinct().ToArray();
            // Only parameters the provider actually binds for this query (exact, case-sensitive names).
            Assert.True(used.All(parameters.Contains), $"{key} uses unbound parameter(s): {string.Join(", ", used.Except(parameters))}");

            // Parse + describe on the server with the provider's parameter types: the SQL is valid and
            // returns the columns the provider reads.
            await using var command = new NpgsqlCommand(sql, connection);
            foreach (var parameter in parameters)
            {
                command.Parameters.Add(new NpgsqlParameter(parameter, ParameterTypes[parameter]) { Value = DBNull.Value });
            }

            await using var schema = await command.ExecuteReaderAsync(CommandBehavior.SchemaOnly);
            if (columns is null)
            {
                Assert.True(schema.FieldCount == 0, $"{key} should return no rows");
            }
            else if (columns is [""])
            {
                Assert.True(schema.FieldCount == 1, $"{key} should return a single column");
            }
            else
            {
                var names = Enumerable.Range(0, schema.FieldCount).Select(schema.GetName).ToArray();
                Assert.True(columns.All(c => names.Contains(c, StringComparer.OrdinalIgnoreCase)),
                    $"{key} returns [{string.Join(", ", names)}], provider reads [{string.Join(", ", columns)}]");
            }
        }

        // The "did it work" answers must be booleans (the provider does Convert.ToBoolean on them).
        foreach (var key in new[] { "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "DeleteReminderRowKey" })
        {
            await using var command = new NpgsqlCommand(queries[key], connection);
            foreach (var parameter in Contract[key].Parameters)
            {
                command.Parameters.Add(new NpgsqlParameter(parameter, ParameterTypes[parameter]) { Value = DBNull.Value });
            }

            await using var schema = await command.ExecuteReaderAsync(CommandBehavior.SchemaOnly);
            Assert.Equal(typeof(bool), schema.GetFieldType(0));
        }
    }

    [PostgresFact]
    public async Task Concurrent_migrators_serialize_and_apply_each_migration_exactly_once()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("schema_race");

        // Four migrators at once, each on its own (unpooled) connection, i.e. four server sessions racing
        // for the advisory lock exactly as four silo processes would.
        var results = await Task.WhenAll(Enumerable.Range(0, 4)
            .Select(_ => Task.Run(() => Migrator(connectionString).MigrateAsync())));

        Assert.Equal(AllMigrations.Order(), results.SelectMany(r => r).Order());
        Assert.Single(results, r => r.Count > 0);

        await using var connection = await OpenAsync(connectionString);
        var counts = await ReadColumnAsync<long>(connection,
            "SELECT count(*) FROM schema_migrations GROUP BY version ORDER BY version");
        Assert.Equal(AllMigrations.Length, counts.Count);
        Assert.All(counts, c => Assert.Equal(1, c));
    }

    [PostgresFact]
    public async Task Migrators_in_separate_processes_and_in_process_serialize_on_one_schema()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("schema_xproc");
        var environment = new Dictionary<string, string?> { ["ConnectionStrings__Postgres"] = connectionString };

        // Two Silo processes (--migrate-only) and two in-process migrators, all at once.
        await using var first = ProgramProcess.Start("Silo", environment, "--migrate-only");
        await using var second = ProgramProcess.Start("Silo", environment, "--migrate-only");
        var inProcess = Enumerable.Range(0, 2).Select(_ => Task.Run(() => Migrator(connectionString).MigrateAsync())).ToArray();
        var exits = await Task.WhenAll(first.WaitForExitAsync(TimeSpan.FromSeconds(60)), second.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var applied = await Task.WhenAll(inProcess);

        Assert.True(exits.All(code => code == 0), first.Output + second.Output);
        var inProcessApplied = applied.SelectMany(a => a).ToArray();
        Assert.Equal(inProcessApplied.Length, inProcessApplied.Distinct().Count());

        await using var connection = await OpenAsync(connectionString);
        var counts = await ReadColumnAsync<long>(connection,
            "SELECT count(*) FROM schema_migrations GROUP BY version ORDER BY version");
        Assert.Equal(AllMigrations.Length, counts.Count);
        Assert.All(counts, c => Assert.Equal(1, c));
    }

    [PostgresFact]
    public async Task Migrator_waits_for_the_advisory_lock_and_can_be_cancelled_while_waiting()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("schema_lock");
        await using var holder = await OpenAsync(connectionString, pooling: false);
        await ExecuteAsync(holder, $"SELECT pg_advisory_lock({SchemaMigrator.AdvisoryLockKey})");

        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Migrator(connectionString).MigrateAsync(cancel.Token));
        }

        var waiting = Migrator(connectionString).MigrateAsync();
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(waiting.IsCompleted, "the migrator must wait while another session holds the lock");
        await using (var probe = new NpgsqlCommand("SELECT to_regclass('schema_migrations') IS NULL", holder))
        {
            Assert.Equal(true, await probe.ExecuteScalarAsync());
        }

        await ExecuteAsync(holder, $"SELECT pg_advisory_unlock({SchemaMigrator.AdvisoryLockKey})");
        Assert.Equal(AllMigrations, await waiting.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [PostgresFact]
    public async Task A_changed_migration_is_refused()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("schema_checksum");
        await Migrator(connectionString).MigrateAsync();

        await using (var connection = await OpenAsync(connectionString))
        {
            await ExecuteAsync(connection, "UPDATE schema_migrations SET checksum = 'edited-after-release' WHERE version = 2");
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Migrator(connectionString).MigrateAsync());
        Assert.Contains("0002_orleans_persistence", error.Message);
    }

    [Fact]
    public void Checksums_ignore_line_endings_and_Tune_keeps_operator_settings()
    {
        Assert.Equal(SchemaMigrator.Checksum("SELECT 1;\nSELECT 2;\n"), SchemaMigrator.Checksum("SELECT 1;\r\nSELECT 2;\r\n"));
        Assert.NotEqual(SchemaMigrator.Checksum("SELECT 1;"), SchemaMigrator.Checksum("SELECT 2;"));

        var tuned = new NpgsqlConnectionStringBuilder(PostgresConnectionStrings.Tune("Host=db;Username=u"));
        Assert.Equal(64, tuned.MaxAutoPrepare);
        Assert.Equal(2, tuned.AutoPrepareMinUsages);
        Assert.True(tuned.NoResetOnClose);
        Assert.Equal(200, tuned.MaxPoolSize);

        // Synonyms count as "set by the operator".
        var kept = new NpgsqlConnectionStringBuilder(PostgresConnectionStrings.Tune(
            "Host=db;MaxPoolSize=10;Max Auto Prepare=0;No Reset On Close=false;Auto Prepare Min Usages=5"));
        Assert.Equal(10, kept.MaxPoolSize);
        Assert.Equal(0, kept.MaxAutoPrepare);
        Assert.False(kept.NoResetOnClose);
        Assert.Equal(5, kept.AutoPrepareMinUsages);
    }

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

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString, bool pooling = true)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = pooling }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<T>> ReadColumnAsync<T>(NpgsqlConnection connection, string sql)
    {
        var values = new List<T>();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetFieldValue<T>(0));
        }

        return values;
    }
}
