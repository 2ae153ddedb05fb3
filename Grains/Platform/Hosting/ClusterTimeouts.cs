namespace Grains.Platform.Hosting;

/// <summary>
/// Failure detection and call timeouts of the cluster topology (docs/decisions.md, "Faults"). Orleans' defaults are
/// made for large clusters on shared networks (probe every 5 s, 3 misses, 30 s response timeout): a silo killed with
/// -9 cost 10–15 s of no answers and 30 s waits. Here a silo is suspected after three missed 1 s probes and declared dead
/// by the votes of its probers (one vote suffices in a two-silo cluster), which fails calls to it fast. Two missed probes
/// were tried and rejected: on a machine loaded far past its cores, silos declared healthy peers dead.
/// </summary>
public static class ClusterTimeouts
{
    /// <summary>Period and timeout of a liveness probe to each probed silo.</summary>
    public static readonly TimeSpan Probe = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes before a silo votes its peer dead.</summary>
    public const int MissedProbes = 3;

    /// <summary>How often a silo writes its heartbeat (IAmAlive) in the membership table (a backstop to probes).</summary>
    public static readonly TimeSpan IAmAlivePublish = TimeSpan.FromSeconds(5);

    /// <summary>How often a silo re-reads the membership table (gossip tells it sooner).</summary>
    public static readonly TimeSpan TableRefresh = TimeSpan.FromSeconds(5);

    /// <summary>How often a client re-reads the gateway list from membership.</summary>
    public static readonly TimeSpan GatewayListRefresh = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The longest a grain call may go unanswered, client to silo and silo to silo. An API request's grain calls take
    /// milliseconds; the slowest legitimate one (a webhook hand-off waiting for endpoints to store deliveries) takes
    /// well under a second. 10 s answers a client long before its own HTTP timeout (commonly 30 s) while leaving
    /// room for a loaded machine; a call that outlives it is answered 503 transient_error with Retry-After.
    /// </summary>
    public static readonly TimeSpan Response = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The longest an API request's grain call may go unanswered from a client (ApiHost in client mode). Calls stuck on a
    /// silo that was voted dead are failed sooner, when the client sees the vote (<see cref="Cluster.SiloLossWatch"/>);
    /// this bounds what that cannot see (a silo hung but not voted dead, membership unreadable). A call that outlives it
    /// is answered 503 transient_error with Retry-After, which a client retries under its key. 10 s, not 5 s: at 5 s a
    /// clean-clone CI run saw a graceful silo stop answer 503 to calls still draining on the stopping silo (a 2-core
    /// machine under load), and a graceful stop must cost clients nothing.
    /// </summary>
    public static readonly TimeSpan ClientResponse = TimeSpan.FromSeconds(10);
}
