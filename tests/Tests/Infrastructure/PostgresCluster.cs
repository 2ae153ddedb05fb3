using Grains.Platform.Hosting;
using Grains.Platform.Postgres;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Tests.Infrastructure;

/// <summary>
/// A real cluster on PostgreSQL: each silo is its own host with its own ports, configured exactly as
/// the Silo program does (<see cref="OrleansHosting.ConfigureClusterSilo"/>), with failure detection
/// tightened so a killed silo is declared dead in seconds rather than minutes. Silos use the default grain
/// storage (<c>Orleans:GrainStorage</c>) unless <paramref name="grainStorage"/> says otherwise.
/// </summary>
/// <paramref name="time"/>, when given, is the silos' clock (a FakeTimeProvider drives business time across the cluster).
public sealed class PostgresCluster(string connectionString, GrainStorageProvider grainStorage = GrainStorageProvider.Npgsql,
    TimeProvider? time = null) : IAsyncDisposable
{
    /// <summary>The silos' <c>Encryption:MasterKey</c>: base64 of 32 bytes, for tests only.</summary>
    public const string TestMasterKey = "dGVzdC1vbmx5IG1hc3RlciBrZXksIG5vdCBzZWNyZXQ=";

    private readonly string clusterId = $"test-{Guid.NewGuid():N}"[..20];
    private readonly List<IHost> silos = [];
    private readonly List<IHost> clients = [];

    public string ConnectionString => connectionString;

    public IReadOnlyList<IHost> Silos => silos;

    /// <summary>Extra configuration every silo started from now on gets (e.g. <c>Stripe:ApiBase</c>).</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    public OrleansSettings SettingsFor(int siloPort, int gatewayPort) => new()
    {
        ClusterId = clusterId,
        ServiceId = clusterId,
        SiloPort = siloPort,
        GatewayPort = gatewayPort,
        AdvertisedHost = "127.0.0.1",
        GrainStorage = grainStorage,
    };

    public OrleansSettings ClientSettings => SettingsFor(0, 0);

    public async Task<IHost> StartSiloAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        // Cluster silos require a master key, and all silos of a cluster must share it.
        builder.Configuration[ConfigurationKeys.EncryptionMasterKey] = TestMasterKey;
        // Test receivers listen on loopback; a short reminder period makes failover take seconds.
        builder.Configuration["Webhooks:AllowPrivateTargets"] = "true";
        builder.Configuration["Webhooks:ReminderPeriod"] = "00:00:02";
        builder.Configuration["Deals:ReminderMaxWait"] = "00:00:02";
        builder.Configuration.AddInMemoryCollection(Settings);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddPostgresSchemaMigrations(connectionString);
        builder.UseOrleans(silo =>
        {
            silo.ConfigureClusterSilo(SettingsFor(TestPorts.Free(), TestPorts.Free()), connectionString);
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
            });
            silo.Configure<Orleans.Hosting.ReminderOptions>(o =>
            {
                o.MinimumReminderPeriod = TimeSpan.FromSeconds(1);
                o.RefreshReminderListPeriod = TimeSpan.FromSeconds(1);
            });
        });
        var host = builder.Build();
        await host.StartAsync();
        silos.Add(host);
        return host;
    }

    public async Task<IClusterClient> StartClientAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client => client.ConfigureClusterClient(ClientSettings, connectionString));
        var host = builder.Build();
        await host.StartAsync();
        clients.Add(host);
        return host.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>
    /// An ApiHost as the Orleans client of this cluster (<c>Orleans:Mode=Client</c>, the cluster's database), registering
    /// <paramref name="adminKey"/> as its bootstrap admin key; the caller disposes it.
    /// </summary>
    public WebApplicationFactory<ApiHost.ApiHostAssembly> ClientApi(string adminKey) =>
        new WebApplicationFactory<ApiHost.ApiHostAssembly>().WithWebHostBuilder(web =>
        {
            web.UseSetting("Orleans:Mode", "Client");
            web.UseSetting("Orleans:ClusterId", ClientSettings.ClusterId);
            web.UseSetting("Orleans:ServiceId", ClientSettings.ServiceId);
            web.UseSetting("ConnectionStrings:Postgres", connectionString);
            web.UseSetting("Bootstrap:AdminKey", adminKey);
        });

    /// <summary>Stops a silo gracefully, as SIGTERM does to the Silo program (the host stops; grains deactivate).</summary>
    public async Task StopSiloAsync(IHost silo)
    {
        silos.Remove(silo);
        await silo.StopAsync();
        silo.Dispose();
    }

    /// <summary>Stops a silo without the graceful hand-over: the others must detect it is gone.</summary>
    public async Task KillSiloAsync(IHost silo)
    {
        silos.Remove(silo);
        await silo.StopAsync(new CancellationToken(canceled: true));
        silo.Dispose();
    }

    public static string AddressOf(IHost silo) => silo.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString();

    public async ValueTask DisposeAsync()
    {
        foreach (var host in clients.Concat(silos).Reverse())
        {
            try
            {
                await host.StopAsync(new CancellationToken(canceled: true));
            }
            finally
            {
                host.Dispose();
            }
        }
    }
}
