using Npgsql;

namespace DealBench;

/// <summary>Commit and rollback counters of one database, from <c>pg_stat_database</c>.</summary>
public sealed record PgCounters(long Commits, long Rollbacks);

/// <summary>Administrative statements the driver runs itself, each on a connection of its own outside any pool.</summary>
public sealed class Postgres(string serverConnection, string database)
{
    public string DatabaseConnection { get; } = new NpgsqlConnectionStringBuilder(serverConnection) { Database = database }.ConnectionString;

    public Task CreateDatabaseAsync() => ExecuteAsync(serverConnection, $"CREATE DATABASE \"{database}\"");

    public Task DropDatabaseAsync() => ExecuteAsync(serverConnection, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");

    /// <summary>Both write windows start right after a checkpoint, so full-page writes hit them alike.</summary>
    public Task CheckpointAsync() => ExecuteAsync(DatabaseConnection, "CHECKPOINT");

    public async Task<string> ScalarAsync(string sql)
    {
        await using var connection = await OpenAsync(DatabaseConnection);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    /// <summary>
    /// The database's transaction counters. A backend reports them when it goes idle, at most once a second and
    /// otherwise within 10 s, so callers let the server settle before reading (see <c>RoundTrips</c>).
    /// </summary>
    public async Task<PgCounters> CountersAsync()
    {
        await using var connection = await OpenAsync(DatabaseConnection);
        await using var command = new NpgsqlCommand(
            "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = current_database()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new PgCounters(reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        // Unpooled: DROP ... WITH (FORCE) must not meet our own idle sessions, and every counter read is a fresh session.
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}
