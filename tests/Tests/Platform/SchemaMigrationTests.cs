using System.Data;
using System.Text.RegularExpressions;
using Grains.Platform.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
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
