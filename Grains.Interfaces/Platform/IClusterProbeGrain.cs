namespace Grains.Interfaces.Platform;

/// <summary>
/// A stateless grain that answers when the cluster can activate and run grains.
/// Readiness checks call it: a reply proves a silo is serving requests.
/// </summary>
public interface IClusterProbeGrain : IGrainWithIntegerKey
{
    Task<ProbeReply> Ping();
}

[GenerateSerializer, Immutable]
public sealed record ProbeReply([property: Id(0)] string SiloAddress, [property: Id(1)] DateTimeOffset At);
