using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Grains.Platform.Postgres;

/// <summary>
/// The one way a store is registered: in memory when there is no PostgreSQL connection string (embedded topology,
/// grain tests), PostgreSQL otherwise (cluster silos), on the process-wide data source for that string. TryAdd, so a
/// test may register its own store first.
/// </summary>
public static class StoreRegistration
{
    public static IServiceCollection AddStore<TStore, TInMemory>(this IServiceCollection services, string? postgresConnectionString,
        Func<NpgsqlDataSource, TStore> postgres)
        where TStore : class
        where TInMemory : class, TStore
    {
        if (postgresConnectionString is null)
        {
            services.TryAddSingleton<TStore, TInMemory>();
        }
        else
        {
            services.TryAddSingleton(_ => postgres(PostgresDataSource.For(postgresConnectionString)));
        }
        return services;
    }
}
