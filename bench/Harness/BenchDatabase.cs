using System.Globalization;
using Npgsql;

namespace Harness;

/// <summary>What a report records about the PostgreSQL a run used.</summary>
public sealed record PostgresFacts(
    string Source,
    string? Version,
    string? SynchronousCommit,
    string? Fsync,
    string? SharedBuffers,
    string? MaxConnections,
    string? Database);

/// <summary>Commit and rollback counters of one database, from <c>pg_stat_database</c>.</summary>
public sealed record PgCounters(long Commits, long Rollbacks);

/// <summary>
/// A fresh database for one run on the given server (<c>&lt;prefix&gt;_&lt;UTC&gt;_&lt;n&gt;</c>), dropped at the end
/// unless kept (<c>--keep-db</c>). Schema migration is left to the code under test (a silo's
/// <c>AddPostgresSchemaMigrations</c>, or the <c>SchemaMigrator</c>). The driver's own statements each run on a
/// connection of their own outside any pool: <c>DROP … WITH (FORCE)</c> must not meet our idle sessions, and every
/// counter read is a fresh session.
/// </summary>
public sealed class BenchDatabase : IAsyncDisposable
{
    private readonly string serverConnection;
    private readonly bool keep;

    private BenchDatabase(string serverConnection, string name, bool keep)
    {
        this.serverConnection = serverConnection;
        this.keep = keep;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnection) { Database = name }.ConnectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public static async Task<BenchDatabase> CreateAsync(string serverConnection, string prefix, bool keep)
    {
        var name = $"{prefix}_{DateTime.UtcNow:yyyyMMdd_HHmmss}_{Random.Shared.Next(1000):000}";
        await ExecuteAsync(serverConnection, $"CREATE DATABASE \"{name}\"");
        return new BenchDatabase(serverConnection, name, keep);
    }

    /// <summary>Write windows start right after a checkpoint, so full-page writes hit every scenario alike.</summary>
    public Task CheckpointAsync() => ExecuteAsync(ConnectionString, "CHECKPOINT");

    public Task ExecuteAsync(string sql) => ExecuteAsync(ConnectionString, sql);

    public async Task<string> ScalarAsync(string sql)
    {
        await using var connection = await OpenAsync(ConnectionString);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) ?? "";
    }

    /// <summary>
    /// The database's transaction counters. A backend reports them when it goes idle, at most once a second and
    /// otherwise within 10 s, so callers let the server settle before reading.
    /// </summary>
    public async Task<PgCounters> CountersAsync()
    {
        await using var connection = await OpenAsync(ConnectionString);
        await using var command = new NpgsqlCommand(
            "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = current_database()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new PgCounters(reader.GetInt64(0), reader.GetInt64(1));
    }

    public async Task<PostgresFacts> DescribeAsync(string source)
    {
        await using var connection = await OpenAsync(ConnectionString);
        await using var command = new NpgsqlCommand(
            "SELECT current_setting('server_version'), current_setting('synchronous_commit'), current_setting('fsync'), "
            + "current_setting('shared_buffers'), current_setting('max_connections')", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new PostgresFacts(source, reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), Name);
    }

    public async ValueTask DisposeAsync()
    {
        if (keep)
        {
            return;
        }
        try
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(serverConnection, $"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)");
        }
        catch (NpgsqlException ex)
        {
            Console.Error.WriteLine($"bench: could not drop database {Name}: {ex.Message}");
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}
