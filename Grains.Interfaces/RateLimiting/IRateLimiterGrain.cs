namespace Grains.Interfaces.RateLimiting;

/// <summary>
/// The authoritative counter of one rate-limit subject (an API key, a client IP, or the whole platform;
/// key: <see cref="RateLimitSubjects"/>). ApiHosts do not ask it per request: they lease tokens in
/// batches and spend them locally, handing back what they did not use with their next lease request.
/// </summary>
public interface IRateLimiterGrain : IGrainWithStringKey
{
    /// <summary>
    /// Grants up to <see cref="LeaseRequest.Want"/> tokens: first from the sliding window, then (once
    /// the window is used up) from the burst bucket. Zero granted means the caller must refuse until
    /// <see cref="LeaseGrant.RetryAfterSeconds"/>. <c>Want = 0</c> only reports the counters.
    /// </summary>
    Task<LeaseGrant> Lease(LeaseRequest request);
}

/// <summary>
/// A limit: <see cref="Limit"/> tokens per sliding <see cref="Window"/>, plus a burst bucket of
/// <see cref="BurstCapacity"/> tokens refilled at <see cref="BurstRefillPerSecond"/>. Sent with every
/// lease request, so a changed per-key override applies with the next lease, without a grain lookup.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LimitSpec(
    [property: Id(0)] int Limit,
    [property: Id(1)] TimeSpan Window,
    [property: Id(2)] int BurstCapacity = 0,
    [property: Id(3)] double BurstRefillPerSecond = 0);

/// <summary>Tokens a previous lease did not spend, counted in window bucket <see cref="Bucket"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record LeaseReturn(
    [property: Id(0)] long Bucket,
    [property: Id(1)] int WindowTokens,
    [property: Id(2)] int BurstTokens);

[GenerateSerializer, Immutable]
public sealed record LeaseRequest(
    [property: Id(0)] int Want,
    [property: Id(1)] LimitSpec Spec,
    [property: Id(2)] IReadOnlyList<LeaseReturn>? Returns = null);

/// <summary>
/// What the grain granted and the state of its counters right after: <see cref="WindowRemaining"/>
/// and <see cref="BurstRemaining"/> exclude the tokens just granted; <see cref="ResetAt"/> is when the
/// oldest counted token leaves the window. <see cref="Bucket"/> identifies where the window tokens were
/// counted, for returning unused ones.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LeaseGrant(
    [property: Id(0)] int Granted,
    [property: Id(1)] int FromBurst,
    [property: Id(2)] long Bucket,
    [property: Id(3)] int Limit,
    [property: Id(4)] int WindowRemaining,
    [property: Id(5)] int BurstRemaining,
    [property: Id(6)] DateTimeOffset ResetAt,
    [property: Id(7)] int RetryAfterSeconds)
{
    public int FromWindow => Granted - FromBurst;
}

/// <summary>Grain keys of the limiter subjects, so every ApiHost addresses the same grains.</summary>
public static class RateLimitSubjects
{
    public const string Global = "global";

    public static string Key(string keyId) => "key/" + keyId;

    public static string AuthenticatedIp(string ip) => "ip-auth/" + ip;

    public static string UnauthenticatedIp(string ip) => "ip-anon/" + ip;

    /// <summary>A per-endpoint limit of one tenant+environment (e.g. deal exports, 10 per hour).</summary>
    public static string Endpoint(string name, string partition) => $"endpoint/{name}/{partition}";
}
