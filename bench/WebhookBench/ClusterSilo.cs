using Grains.Platform.Hosting;
using Grains.Platform.Postgres;
using Harness;
using Npgsql;

namespace WebhookBench;

/// <summary>
/// One cluster-mode silo co-hosted in the bench process: the product's <see cref="OrleansHosting.ConfigureClusterSilo"/>
/// on the run's fresh database, migrated by <c>AddPostgresSchemaMigrations</c> as Silo/Program.cs does.
/// </summary>
public static class ClusterSilo
{
    public static Task<SiloHost> StartAsync(string connectionString) => SiloHost.StartAsync(builder =>
    {
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // The receiver is on loopback over http, which cluster silos refuse by default (SSRF guard).
            ["Webhooks:AllowPrivateTargets"] = "true",
            [ConfigurationKeys.EncryptionMasterKey] = Environment.GetEnvironmentVariable("Encryption__MasterKey")
                ?? Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        });
        var settings = new OrleansSettings
        {
            ClusterId = "webhook-bench",
            ServiceId = "webhook-bench",
            SiloPort = Ports.Free(),
            GatewayPort = Ports.Free(),
            AdvertisedHost = "127.0.0.1",
        };
        // Before UseOrleans: the schema exists before the silo joins.
        builder.Services.AddPostgresSchemaMigrations(connectionString);
        builder.UseOrleans(silo => silo.ConfigureClusterSilo(settings, connectionString));
    });

    /// <summary>Delivery rows of the given partitions by status.</summary>
    public static async Task<Dictionary<string, long>> StatusCountsAsync(string connectionString, IEnumerable<string> partitions)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT status, count(*) FROM webhook_delivery WHERE partition = ANY($1) GROUP BY status", connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. partitions] });
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }
        return counts;
    }
}
