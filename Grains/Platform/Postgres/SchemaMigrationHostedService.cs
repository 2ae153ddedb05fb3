using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Grains.Platform.Postgres;

/// <summary>
/// Brings the database schema up to date when the host starts. Registered before <c>UseOrleans</c>, so
/// hosted services start in registration order and the Orleans providers find their tables and queries.
/// A failure stops the host from starting: a silo without its schema must not join the cluster.
/// </summary>
public sealed class SchemaMigrationHostedService(SchemaMigrator migrator) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => migrator.MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public static class SchemaMigrationServiceCollectionExtensions
{
    /// <summary>
    /// Runs <see cref="SchemaMigrator"/> against <paramref name="connectionString"/> at host start.
    /// Call it before <c>UseOrleans</c> so it runs before the silo starts. The database must exist.
    /// </summary>
    public static IServiceCollection AddPostgresSchemaMigrations(this IServiceCollection services, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        // Inserted as a hosted service directly (not TryAddEnumerable) so it keeps its registration order.
        services.AddSingleton<IHostedService>(sp => new SchemaMigrationHostedService(
            new SchemaMigrator(connectionString, sp.GetRequiredService<ILogger<SchemaMigrator>>())));
        return services;
    }
}
