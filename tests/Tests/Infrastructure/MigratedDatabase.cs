using Grains.Platform.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Tests.Infrastructure;

/// <summary>
/// A class fixture for store tests against PostgreSQL: a fresh database of its own with the product's schema
/// (<see cref="SchemaMigrator"/>), created on first use, so a skipped class never touches a server.
/// </summary>
public abstract class MigratedDatabase(string name)
{
    private readonly Lazy<Task<string>> connectionString = new(async () =>
    {
        var created = await TestPostgres.CreateDatabaseAsync(name);
        await new SchemaMigrator(created, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        return created;
    });

    public Task<string> ConnectionStringAsync() => connectionString.Value;

    public async Task<NpgsqlDataSource> DataSourceAsync() => PostgresDataSource.For(await connectionString.Value);
}
