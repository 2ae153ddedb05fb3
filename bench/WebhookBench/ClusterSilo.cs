using System.Net;
using System.Net.Sockets;
using Grains.Platform.Hosting;
using Grains.Platform.Postgres;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace WebhookBench;

/// <summary>
/// One cluster-mode silo co-hosted in the bench process: the product's <see cref="OrleansHosting.ConfigureClusterSilo"/>
/// on a fresh database of the given server, migrated by <c>AddPostgresSchemaMigrations</c> as Silo/Program.cs does.
/// </summary>
public sealed class ClusterSilo(IHost host, string connectionString) : IAsyncDisposable
{
    public IGrainFactory Grains => host.Services.GetRequiredService<IGrainFactory>();

    public string ConnectionString => connectionString;

    public static async Task<ClusterSilo> StartAsync(string connectionString)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
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
            SiloPort = FreePort(),
            GatewayPort = FreePort(),
            AdvertisedHost = "127.0.0.1",
        };
        // Before UseOrleans: the schema exists before the silo joins.
        builder.Services.AddPostgresSchemaMigrations(connectionString);
        builder.UseOrleans(silo => silo.ConfigureClusterSilo(settings, connectionString));
        var host = builder.Build();
        await host.StartAsync();
        return new ClusterSilo(host, connectionString);
    }

    public static async Task CreateDatabaseAsync(string serverConnection, string database) =>
        await AdminAsync(serverConnection, $"CREATE DATABASE \"{database}\"");

    public static async Task DropDatabaseAsync(string serverConnection, string database) =>
        await AdminAsync(serverConnection, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");

    public async Task<Dictionary<string, long>> StatusCountsAsync(IEnumerable<string> partitions)
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

    public async Task<string> SettingAsync(string name)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SHOW {name}", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task AdminAsync(string serverConnection, string sql)
    {
        // Outside the pool: DROP ... WITH (FORCE) must not find our own idle pooled sessions in the way.
        var builder = new NpgsqlConnectionStringBuilder(serverConnection) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
        NpgsqlConnection.ClearAllPools();
    }
}
