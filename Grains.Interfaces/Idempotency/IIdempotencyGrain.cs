namespace Grains.Interfaces.Idempotency;

/// <summary>
/// One <c>Idempotency-Key</c> of one tenant+environment (key: <see cref="IdempotencyPolicy.GrainKey"/>).
/// It binds the key to the first request's fingerprint, marks that request in flight under a lease,
/// then keeps its response for <see cref="IdempotencyPolicy.Retention"/> from first use. The grain is
/// single-threaded, so of many concurrent requests with one key exactly one is told to proceed.
/// </summary>
public interface IIdempotencyGrain : IGrainWithStringKey
{
    /// <summary>
    /// Claims the key for a request with this fingerprint: proceed (with a lease), replay the stored
    /// response, in flight (another request holds a live lease) or mismatch (bound to another fingerprint).
    /// </summary>
    Task<IdempotencyClaim> Begin(string fingerprint);

    /// <summary>Stores the response of the request holding <paramref name="lease"/>; false when that lease was superseded.</summary>
    Task<bool> Complete(Guid lease, IdempotentResponse response);

    /// <summary>
    /// Extends the in-flight lease of a request still running (the ApiHost calls it every
    /// <see cref="IdempotencyPolicy.RenewEvery"/>); false when <paramref name="lease"/> is no longer the holder.
    /// </summary>
    Task<bool> Renew(Guid lease);

    /// <summary>Forgets the key: the request certainly changed nothing (e.g. 408, 429); ignored for a stale lease.</summary>
    Task Release(Guid lease);

    /// <summary>
    /// The request holding <paramref name="lease"/> ended in a 5xx: whether its change committed is unknown, so the key
    /// is never released. It stays in flight for <see cref="IdempotencyPolicy.UnsettledHold"/> (a call that timed out may
    /// still be running); then a retry runs again and the grain that committed the change (if it did) answers it.
    /// </summary>
    Task Unsettled(Guid lease);

    /// <summary>The live record, if any (diagnostics and tests).</summary>
    Task<IdempotencyRecordInfo?> Get();
}

/// <summary>The rules from ARCHITECTURE.md: keys of 1–64 characters, kept 24 h, in-flight marks leased.</summary>
public static class IdempotencyPolicy
{
    public const int MaxKeyLength = 64;

    /// <summary>How long a key stays bound to its first request (from first use); afterwards it is new again.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    /// <summary>
    /// How long an in-flight mark blocks the key unless renewed. The ApiHost renews it while the request runs, so a
    /// mark nobody renews belongs to a request that is over: its ApiHost died, the answer to <c>Begin</c> was lost with
    /// a silo, or the settle call after a 5xx could not reach the key's grain. A retry then proceeds within seconds
    /// (it was a fixed 60 s lease; a silo kill left keys stuck that long). A retry running beside a request that lost
    /// its lease is still answered once: the grain that commits a keyed change records it (<c>KeyedChangeFilter</c>).
    /// </summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);

    /// <summary>How often the ApiHost renews the lease of a request still running (a third of it: two renewals may fail).</summary>
    public static readonly TimeSpan RenewEvery = Lease / 3;

    /// <summary>How long a key whose request ended in a 5xx stays in flight before a retry may run (and be deduplicated by the grain).</summary>
    public static readonly TimeSpan UnsettledHold = TimeSpan.FromSeconds(1);

    /// <summary>The grain key: the caller's partition (<c>tenant:environment</c>) and the key as sent.</summary>
    public static string GrainKey(string partition, string key) => $"{partition}:{key}";
}

[GenerateSerializer]
public enum IdempotencyOutcome
{
    Proceed,
    Replay,
    InFlight,
    Mismatch,
}

/// <summary>
/// What <see cref="IIdempotencyGrain.Begin"/> decided; <see cref="Lease"/> and <see cref="Seed"/> are set for Proceed,
/// <see cref="Response"/> for Replay, <see cref="RetryAfterSeconds"/> for InFlight.
/// </summary>
/// <param name="Seed">Fixed for the key's life: ids a keyed create makes derive from it, so a retry reaches the same grain.</param>
[GenerateSerializer, Immutable]
public sealed record IdempotencyClaim(
    [property: Id(0)] IdempotencyOutcome Outcome,
    [property: Id(1)] Guid Lease = default,
    [property: Id(2)] IdempotentResponse? Response = null,
    [property: Id(3)] string Seed = "",
    [property: Id(4)] int RetryAfterSeconds = 1);

/// <summary>A response as the client first received it: status, content type, body and the headers a replay repeats.</summary>
[GenerateSerializer, Immutable]
public sealed record IdempotentResponse(
    [property: Id(0)] int Status,
    [property: Id(1)] string? ContentType,
    [property: Id(2)] byte[] Body,
    [property: Id(3)] string? ETag = null,
    [property: Id(4)] string? Location = null);

[GenerateSerializer, Immutable]
public sealed record IdempotencyRecordInfo(
    [property: Id(0)] string Fingerprint,
    [property: Id(1)] DateTimeOffset FirstUsedAt,
    [property: Id(2)] DateTimeOffset ExpiresAt,
    [property: Id(3)] bool InFlight,
    [property: Id(4)] int? Status);
