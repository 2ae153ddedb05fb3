using Grains.Platform.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Grains.Events;

public static class EventLogServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="IEventLogStore"/>: in memory when <paramref name="postgresConnectionString"/> is null
    /// (embedded topology), PostgreSQL otherwise (cluster silos). TryAdd, so a test may register its own first.
    /// </summary>
    public static IServiceCollection AddEventLogStore(this IServiceCollection services, string? postgresConnectionString)
    {
        if (postgresConnectionString is null)
        {
            services.TryAddSingleton<IEventLogStore, InMemoryEventLogStore>();
        }
        else
        {
            services.TryAddSingleton<IEventLogStore>(_ => new PostgresEventLogStore(PostgresDataSource.For(postgresConnectionString)));
        }

        return services;
    }
}
