using Grains.Events;
using Grains.Platform.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Tests.Infrastructure;
using Tests.Projections;

namespace Tests.Events;

/// <summary>The shared event log contract against PostgreSQL (migration 0005). One database per class.</summary>
[RequiresPostgres]
public sealed class PostgresEventLogStoreTests(PostgresEventLogStoreTests.Database database)
    : EventLogStoreContract, IClassFixture<PostgresEventLogStoreTests.Database>
{
    /// <summary>Created on first use, so a skipped class never touches a server.</summary>
    public sealed class Database
    {
        private readonly Lazy<Task<string>> connectionString = new(CreateAsync);

        public async Task<PostgresEventLogStore> StoreAsync() => new(PostgresDataSource.For(await connectionString.Value));

        private static async Task<string> CreateAsync()
        {
            var connectionString = await TestPostgres.CreateDatabaseAsync("eventlog");
            await new SchemaMigrator(connectionString, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
            return connectionString;
        }
    }

    protected override async Task<IEventLogStore> StoreAsync() => await database.StoreAsync();
}
