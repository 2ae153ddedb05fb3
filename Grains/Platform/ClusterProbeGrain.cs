using Grains.Interfaces.Platform;
using Orleans.Concurrency;

namespace Grains.Platform;

[StatelessWorker]
public sealed class ClusterProbeGrain(ILocalSiloDetails silo, IClusterMembershipService membership, TimeProvider time) : Grain, IClusterProbeGrain
{
    public Task<ProbeReply> Ping() => Task.FromResult(new ProbeReply(silo.SiloAddress.ToString(), time.GetUtcNow()));

    public Task<int> ActiveSilos() => Task.FromResult(membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active));
}
