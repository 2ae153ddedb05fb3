using System.Collections.Concurrent;
using Npgsql;

namespace Grains.Platform.Postgres;

/// <summary>
/// The one place our own PostgreSQL access gets its <see cref="NpgsqlDataSource"/>: one per connection
/// string for the life of the process, built from the tuned string (<see cref="PostgresConnectionStrings.Tune"/>).
/// Sharing it means one connection pool and one set of auto-prepared statements per database, however many
/// stores, silos (tests host several per process) or benchmark clients use it.
/// </summary>
public static class PostgresDataSource
{
    private static readonly ConcurrentDictionary<string, Lazy<NpgsqlDataSource>> Sources = new(StringComparer.Ordinal);

    public static NpgsqlDataSource For(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        // Lazy: GetOrAdd may run the factory twice under a race, and a data source must not be built and dropped.
        return Sources.GetOrAdd(connectionString,
            cs => new Lazy<NpgsqlDataSource>(() => NpgsqlDataSource.Create(PostgresConnectionStrings.Tune(cs)))).Value;
    }
}
