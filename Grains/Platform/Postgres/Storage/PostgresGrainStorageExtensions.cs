using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Grains.Platform.Postgres.Storage;

public static class PostgresGrainStorageExtensions
{
    /// <summary>
    /// Adds a <see cref="PostgresGrainStorage"/> named <paramref name="name"/>. The schema comes from our migrations
    /// (<c>AddPostgresSchemaMigrations</c>); the connection pool is the process-wide one for the connection string
    /// (<see cref="PostgresDataSource.For"/>), shared with our other PostgreSQL access.
    /// </summary>
    public static ISiloBuilder AddPostgresGrainStorage(this ISiloBuilder silo, string name, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        silo.Services.AddGrainStorage(name, (services, providerName) =>
        {
            var dataSource = PostgresDataSource.For(connectionString);
            var serviceId = services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId;
            return new PostgresGrainStorage(
                providerName,
                dataSource,
                new GrainStateReader(dataSource, serviceId),
                new GrainStateWriter(dataSource, serviceId),
                // The serializer registered for the silo, which the stock providers default to as well.
                services.GetRequiredService<IGrainStorageSerializer>(),
                services.GetRequiredService<IActivatorProvider>(),
                serviceId);
        });
        return silo;
    }

    /// <summary>Adds a <see cref="PostgresGrainStorage"/> as the default grain storage.</summary>
    public static ISiloBuilder AddPostgresGrainStorageAsDefault(this ISiloBuilder silo, string connectionString) =>
        silo.AddPostgresGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, connectionString);
}
