using Grains.Platform.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Grains.Deals.Audit;

public static class AuditServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="IAuditStore"/>: in memory when <paramref name="postgresConnectionString"/> is null
    /// (embedded topology), PostgreSQL otherwise (cluster silos). TryAdd, so a test may register its own first.
    /// </summary>
    public static IServiceCollection AddAuditStore(this IServiceCollection services, string? postgresConnectionString)
    {
        if (postgresConnectionString is null)
        {
            services.TryAddSingleton<IAuditStore, InMemoryAuditStore>();
        }
        else
        {
            services.TryAddSingleton<IAuditStore>(_ => new PostgresAuditStore(PostgresDataSource.For(postgresConnectionString)));
        }
        return services;
    }
}
