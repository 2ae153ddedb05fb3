using Npgsql;

namespace Tests.Infrastructure;

/// <summary>
/// The PostgreSQL that integration tests run against. The base connection string comes from
/// <c>ConnectionStrings__Postgres</c>; each test gets a database of its own so tests never share state.
/// With <c>REQUIRE_POSTGRES=1</c> (as in CI) a missing or unreachable server fails the test instead of skipping it.
/// </summary>
public static class TestPostgres
{
    public const string ConnectionStringVariable = "ConnectionStrings__Postgres";

    public static string? BaseConnectionString =>
        Environment.GetEnvironmentVariable(ConnectionStringVariable) is { Length: > 0 } value ? value : null;

    public static bool Required => Environment.GetEnvironmentVariable("REQUIRE_POSTGRES") == "1";

    /// <summary>Creates an empty database and returns a connection string to it.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var baseConnectionString = BaseConnectionString ?? throw new InvalidOperationException(
            $"PostgreSQL is required but {ConnectionStringVariable} is not set.");
        var name = $"{prefix.ToLowerInvariant()}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)];

        await using (var connection = new NpgsqlConnection(baseConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        // A test database is used by one class and then abandoned, but its pool lives as long as the test
        // process: idle connections are closed after seconds (not Npgsql's 5 minutes) so hundreds of
        // databases in one run stay under the server's max_connections.
        return new NpgsqlConnectionStringBuilder(baseConnectionString)
        {
            Database = name,
            Pooling = true,
            ConnectionIdleLifetime = 5,
            ConnectionPruningInterval = 1,
        }.ConnectionString;
    }
}
