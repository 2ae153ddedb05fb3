using Grains.Platform.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Grains.Projections;

public static class ProjectionServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="IProjectionStore"/>: in memory when <paramref name="postgresConnectionString"/> is
    /// null (embedded topology, grain tests), PostgreSQL otherwise (cluster silos). TryAdd, so a test may register
    /// its own store first.
    /// </summary>
    public static IServiceCollection AddProjectionStore(this IServiceCollection services, string? postgresConnectionString)
    {
        if (postgresConnectionString is null)
        {
            services.TryAddSingleton<IProjectionStore, InMemoryProjectionStore>();
        }
        else
        {
            services.TryAddSingleton<IProjectionStore>(_ => new PostgresProjectionStore(PostgresDataSource.For(postgresConnectionString)));
        }

        return services;
    }
}
