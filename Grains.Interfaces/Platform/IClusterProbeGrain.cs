namespace Grains.Interfaces.Platform;

/// <summary>
/// A stateless grain that answers when the cluster can activate and run grains.
/// Readiness checks call it: a reply proves a silo is serving requests.
/// </summary>
public interface IClusterProbeGrain : IGrainWithIntegerKey
{
    Task<ProbeReply> Ping();

    /// <summary>The active silos in the answering silo's view of membership (no membership table read: it answers while the database is down).</summary>
    Task<int> ActiveSilos();
}

[GenerateSerializer, Immutable]
public sealed record ProbeReply([property: Id(0)] string SiloAddress, [property: Id(1)] DateTimeOffset At);
