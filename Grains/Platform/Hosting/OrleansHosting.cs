using Grains.Campaigns;
using Grains.Deals;
using Grains.Deals.Audit;
using Grains.Delegations.Ledger;
using Grains.Emails;
using Grains.Encryption;
using Grains.Events;
using Grains.Platform;
using Grains.Platform.Cluster;
using Grains.Platform.Postgres;
using Grains.Idempotency;
using Grains.Platform.Postgres.Storage;
using Grains.Platform.Telemetry;
using Grains.Projections;
using Grains.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Storage;

namespace Grains.Platform.Hosting;

/// <summary>
/// The one place that decides how silos and clients are wired, so ApiHost (embedded), Silo (cluster),
/// the tests and the benchmark all run the same configuration.
/// </summary>
public static class OrleansHosting
{
    /// <summary>ADO.NET provider invariant the Orleans providers use to find Npgsql.</summary>
    public const string NpgsqlInvariant = "Npgsql";

    /// <summary>The dashboard's counter sampling period unless <c>Dashboard:CounterUpdateIntervalMs</c> says otherwise.</summary>
    public const int DashboardCounterIntervalMs = 10_000;

    /// <summary>
    /// <c>Dashboard:Enabled</c> (default true). False leaves the Orleans dashboard out of the process: no
    /// <c>/dashboard</c>, no per-call profiler, and none of its once-a-second reads of every Orleans instrument (some
    /// walk every activation: docs/decisions.md, Telemetry).
    /// </summary>
    public static bool DashboardEnabled(IConfiguration configuration) => configuration.GetValue("Dashboard:Enabled", true);

    /// <summary>Grain storage provider used by the streaming pub/sub bookkeeping.</summary>
    public const string PubSubStore = "PubSubStore";

    /// <summary>A silo with everything in memory on localhost: no other process needed.</summary>
    public static ISiloBuilder ConfigureEmbeddedSilo(this ISiloBuilder silo, OrleansSettings settings)
    {
        silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, serviceId: settings.ServiceId, clusterId: settings.ClusterId)
            .AddMemoryGrainStorageAsDefault()
            .AddMemoryGrainStorage(PubSubStore)
            .UseInMemoryReminderService();
        silo.Services.AddSideStores(postgresConnectionString: null);
        silo.Services.AddWebhookDelivery(postgresConnectionString: null, allowPrivateTargetsByDefault: true);
        // In memory anyway: a master key generated at start is enough when none is configured.
        silo.AddPiiEncryption(MasterKeyPolicy.GenerateWhenMissing);
        return silo.ConfigureCommon();
    }

    /// <summary>A cluster silo: membership, grain state and reminders in PostgreSQL.</summary>
    public static ISiloBuilder ConfigureClusterSilo(this ISiloBuilder silo, OrleansSettings settings, string connectionString)
    {
        var tuned = PostgresConnectionStrings.Tune(connectionString);
        silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            })
            .ConfigureEndpoints(settings.ResolveAdvertisedAddress(), settings.SiloPort, settings.GatewayPort, settings.ListenOnAnyHostAddress)
            .UseAdoNetClustering(o =>
            {
                o.Invariant = NpgsqlInvariant;
                o.ConnectionString = tuned;
            })
            .UseAdoNetReminderService(o =>
            {
                o.Invariant = NpgsqlInvariant;
                o.ConnectionString = tuned;
            });
        silo.AddClusterGrainStorage(settings.GrainStorage, connectionString);
        silo.Services.AddSideStores(connectionString);
        silo.Services.AddWebhookDelivery(connectionString, allowPrivateTargetsByDefault: false);
        // Data outlives the process and is shared by all silos: the master key must be configured (fails here if not).
        silo.AddPiiEncryption(MasterKeyPolicy.Required);
        silo.ConfigureFailureDetection();
        return silo.ConfigureCommon();
    }

    /// <summary>
    /// The stores beside grain state: the list/search projection, the tenant event log, the audit log and the delegation ledger (memory when
    /// <paramref name="postgresConnectionString"/> is null, PostgreSQL otherwise).
    /// </summary>
    public static IServiceCollection AddSideStores(this IServiceCollection services, string? postgresConnectionString) => services
        .AddStore<IProjectionStore, InMemoryProjectionStore>(postgresConnectionString, source => new PostgresProjectionStore(source))
        .AddStore<IEventLogStore, InMemoryEventLogStore>(postgresConnectionString, source => new PostgresEventLogStore(source))
        .AddStore<IAuditStore, InMemoryAuditStore>(postgresConnectionString, source => new PostgresAuditStore(source))
        .AddStore<IDelegationLedger, InMemoryDelegationLedger>(postgresConnectionString, source => new PostgresDelegationLedger(source));

    /// <summary>An Orleans client that finds the silos' gateways through PostgreSQL membership.</summary>
    public static IClientBuilder ConfigureClusterClient(this IClientBuilder client, OrleansSettings settings, string connectionString)
    {
        client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            })
            .UseAdoNetClustering(o =>
            {
                o.Invariant = NpgsqlInvariant;
                o.ConnectionString = PostgresConnectionStrings.Tune(connectionString);
            });
        if (DashboardEnabled(client.Configuration))
        {
            client.AddDashboard();
        }
        client.AddTracePropagation();
        client.AddOutgoingGrainCallFilter<KeyedReplayFilter>();
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = ClusterTimeouts.ClientResponse);
        client.AddSiloLossWatch(connectionString);
        client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = ClusterTimeouts.GatewayListRefresh);
        client.Services.AllowStorageExceptions();
        client.Services.TryAddSingleton(TimeProvider.System);
        CachedGrainInterfaceTypes.AddTo(client.Services);
        return client;
    }

    /// <summary>Fails calls stuck on a silo that was voted dead at once, not at the response timeout (<see cref="SiloLossWatch"/>).</summary>
    private static void AddSiloLossWatch(this IClientBuilder client, string connectionString)
    {
        client.Services.AddSingleton<InFlightCalls>();
        client.Services.AddHostedService(sp => new SiloLossWatch(
            new NpgsqlDataSourceBuilder(PostgresConnectionStrings.Tune(connectionString)).Build(),
            sp.GetRequiredService<IOptions<ClusterOptions>>(), sp.GetRequiredService<InFlightCalls>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SiloLossWatch>>()));
        client.AddOutgoingGrainCallFilter<SiloLossCallFilter>();
    }

    /// <summary>
    /// Lets Npgsql's exceptions cross a grain boundary with Orleans' exception codec. The filter translates what a grain
    /// method throws (<see cref="StorageErrorFilter"/>); this covers what it cannot see: a grain whose state could not be
    /// read at activation fails its callers with the driver's exception, which otherwise had no codec.
    /// </summary>
    private static void AllowStorageExceptions(this IServiceCollection services) =>
        services.Configure<Orleans.Serialization.ExceptionSerializationOptions>(o => o.SupportedNamespacePrefixes.Add("Npgsql"));

    /// <summary>How fast a cluster silo notices a dead peer, and how long a grain call may take (<see cref="ClusterTimeouts"/>).</summary>
    private static void ConfigureFailureDetection(this ISiloBuilder silo)
    {
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = ClusterTimeouts.Probe;
            o.NumMissedProbesLimit = ClusterTimeouts.MissedProbes;
            o.IAmAliveTablePublishTimeout = ClusterTimeouts.IAmAlivePublish;
            o.TableRefreshTimeout = ClusterTimeouts.TableRefresh;
        });
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ClusterTimeouts.Response);
    }

    /// <summary>The default and <see cref="PubSubStore"/> grain storage of a cluster silo, per <c>Orleans:GrainStorage</c>.</summary>
    private static void AddClusterGrainStorage(this ISiloBuilder silo, GrainStorageProvider provider, string connectionString)
    {
        switch (provider)
        {
            case GrainStorageProvider.Npgsql:
                // Our provider: typed positional statements, one round trip per write (docs/decisions.md, "Grain storage").
                silo.AddPostgresGrainStorageAsDefault(connectionString)
                    .AddPostgresGrainStorage(PubSubStore, connectionString);
                break;
            case GrainStorageProvider.AdoNet:
                var tuned = PostgresConnectionStrings.Tune(connectionString);
                silo.AddAdoNetGrainStorageAsDefault(o =>
                    {
                        o.Invariant = NpgsqlInvariant;
                        o.ConnectionString = tuned;
                    })
                    .AddAdoNetGrainStorage(PubSubStore, o =>
                    {
                        o.Invariant = NpgsqlInvariant;
                        o.ConnectionString = tuned;
                    });
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(provider), provider,
                    $"Orleans:GrainStorage must be {GrainStorageProvider.Npgsql} or {GrainStorageProvider.AdoNet}.");
        }
    }

    private static ISiloBuilder ConfigureCommon(this ISiloBuilder silo)
    {
        // Grains read the clock from TimeProvider so tests can drive business time with FakeTimeProvider.
        silo.Services.TryAddSingleton(TimeProvider.System);
        CachedGrainInterfaceTypes.AddTo(silo.Services);
        // Grain state in Orleans' own binary format: it round-trips exactly what grain calls carry (including the
        // compiler's collection-expression types, which the default Newtonsoft JSON storage format cannot read back).
        silo.Services.AddSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>();
        silo.Services.AddDeals();
        silo.Services.AddEmails();
        silo.Services.AddCampaigns();
        // Storage errors leave the silo as a type every caller can classify (StorageUnavailableException → 503).
        silo.AddIncomingGrainCallFilter<StorageErrorFilter>();
        // Keyed requests (Idempotency-Key): a retry of a committed change is answered from it, never run twice.
        silo.AddIncomingGrainCallFilter<KeyedChangeFilter>();
        silo.AddOutgoingGrainCallFilter<KeyedReplayFilter>();
        silo.Services.AllowStorageExceptions();
        if (DashboardEnabled(silo.Configuration))
        {
            silo.AddDashboard();
            // The dashboard's counters refresh every 10 s, plenty for a person watching (Dashboard:CounterUpdateIntervalMs
            // overrides). Its own OpenTelemetry reader of the Orleans meter stays at 1 s whatever this says (hard-coded in
            // Orleans 10.4), and some Orleans gauges walk every activation on each read: docs/decisions.md, Telemetry.
            silo.Services.Configure<DashboardOptions>(o => o.CounterUpdateIntervalMs = DashboardCounterIntervalMs);
            silo.Services.AddOptions<DashboardOptions>().BindConfiguration("Dashboard");
        }
        // Grain calls continue the caller's trace, when spans are recorded (Grains/Platform/Telemetry/TracePropagation.cs).
        silo.AddTracePropagation();
        return silo;
    }
}
