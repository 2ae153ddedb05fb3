using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;

namespace Grains.Platform.Hosting;

/// <summary>How a process takes part in the cluster; bound from the <c>Orleans</c> configuration section.</summary>
public sealed class OrleansSettings
{
    public const string SectionName = "Orleans";

    /// <summary>ApiHost only: <c>Embedded</c> (co-hosted in-memory silo, the default) or <c>Client</c> (joins silos through their gateways).</summary>
    public HostingMode Mode { get; set; } = HostingMode.Embedded;

    public string ClusterId { get; set; } = "salesbooth";

    public string ServiceId { get; set; } = "salesbooth";

    /// <summary>Silo-to-silo port. Each silo on one machine needs its own.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port clients (ApiHost in Client mode) connect to. Each silo on one machine needs its own.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients reach this silo at: an IP or a host name (resolved at start-up).</summary>
    public string AdvertisedHost { get; set; } = "127.0.0.1";

    /// <summary>Whether silos bind on every interface (containers) or only on the advertised address.</summary>
    public bool ListenOnAnyHostAddress { get; set; }

    /// <summary>Cluster silos only: which provider keeps grain state in PostgreSQL (see <see cref="GrainStorageProvider"/>).</summary>
    public GrainStorageProvider GrainStorage { get; set; } = GrainStorageProvider.Npgsql;

    public static OrleansSettings From(IConfiguration configuration) =>
        configuration.GetSection(SectionName).Get<OrleansSettings>() ?? new OrleansSettings();

    public IPAddress ResolveAdvertisedAddress()
    {
        if (IPAddress.TryParse(AdvertisedHost, out var address))
        {
            return address;
        }
        return Dns.GetHostAddresses(AdvertisedHost).First(a => a.AddressFamily == AddressFamily.InterNetwork);
    }
}

public enum HostingMode
{
    Embedded,
    Client,
}

/// <summary>The grain storage of a cluster silo. Both keep state in PostgreSQL, in different tables.</summary>
public enum GrainStorageProvider
{
    /// <summary>Our provider on NpgsqlDataSource (<c>grain_state</c>, migration 0006): typed, lean statements.</summary>
    Npgsql,

    /// <summary>The stock Orleans ADO.NET provider with our SQL (<c>orleans_storage</c>, migration 0002).</summary>
    AdoNet,
}
