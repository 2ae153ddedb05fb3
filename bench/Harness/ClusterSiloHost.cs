using Grains.Platform.Hosting;
using Grains.Platform.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Harness;

/// <summary>
/// One cluster-mode silo co-hosted in the bench process: the product's <see cref="OrleansHosting.ConfigureClusterSilo"/>
/// on the run's fresh database, migrated by <c>AddPostgresSchemaMigrations</c> as Silo/Program.cs does, with a random
/// encryption master key per run unless <c>Encryption__MasterKey</c> is set.
/// </summary>
public static class ClusterSiloHost
{
    /// <param name="settings">Product configuration for the silo (e.g. <c>Webhooks:AllowPrivateTargets</c>).</param>
    /// <param name="siloPort">The silo port; 0 for a free one (likewise <paramref name="gatewayPort"/>).</param>
    public static Task<SiloHost> StartAsync(string connectionString, string clusterId, IReadOnlyDictionary<string, string?> settings,
        int siloPort = 0, int gatewayPort = 0) => SiloHost.StartAsync(builder =>
    {
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings)
        {
            [ConfigurationKeys.EncryptionMasterKey] = Environment.GetEnvironmentVariable("Encryption__MasterKey")
                ?? Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        });
        var orleans = new OrleansSettings
        {
            ClusterId = clusterId,
            ServiceId = clusterId,
            SiloPort = siloPort == 0 ? Ports.Free() : siloPort,
            GatewayPort = gatewayPort == 0 ? Ports.Free() : gatewayPort,
            AdvertisedHost = "127.0.0.1",
        };
        // Before UseOrleans: the schema exists before the silo joins.
        builder.Services.AddPostgresSchemaMigrations(connectionString);
        builder.UseOrleans(silo => silo.ConfigureClusterSilo(orleans, connectionString));
    });
}
