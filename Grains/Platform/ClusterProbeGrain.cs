using Grains.Interfaces.Platform;
using Orleans.Concurrency;

namespace Grains.Platform;

[StatelessWorker]
public sealed class ClusterProbeGrain(ILocalSiloDetails silo, TimeProvider time) : Grain, IClusterProbeGrain
{
    public Task<ProbeReply> Ping() => Task.FromResult(new ProbeReply(silo.SiloAddress.ToString(), time.GetUtcNow()));
}
