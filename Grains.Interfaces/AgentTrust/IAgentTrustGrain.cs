using Orleans.Concurrency;

namespace Grains.Interfaces.AgentTrust;

/// <summary>
/// The trust of one agent key (key <c>{tenant}:{env}/key_agent_...</c>): its track record (deals completed and failed,
/// completed value), the level that record earns (<see cref="TrustLevels"/>), a manual level set by an admin key, and
/// the history of level changes. A key without a record is level 0.
/// </summary>
public interface IAgentTrustGrain : IGrainWithStringKey
{
    [AlwaysInterleave]
    Task<AgentTrustView> Get();

    /// <summary>403 <c>trust_cap_exceeded</c> (and <c>agent.trust_cap_exceeded</c>) when the amount is above the level's transaction cap.</summary>
    Task CheckCap(decimal amount, string dealId);

    /// <summary>403 <c>authorization_error.trust_level_insufficient</c> below <paramref name="level"/> (e.g. 2 to delegate).</summary>
    Task<AgentTrustView> RequireLevel(int level, string capability);

    /// <summary>A deal the key created closed: it counts as completed with its value (once per deal).</summary>
    Task DealCompleted(string dealId, decimal value);

    /// <summary>A deal the key created was cancelled or expired: it counts as failed (once per deal).</summary>
    Task DealFailed(string dealId);

    /// <summary>
    /// An admin key sets the manual level, a floor under the earned one (4, Verified Partner, is reached only this way;
    /// a lower one bootstraps a new agent, which at level 0 cannot transact to earn a record), or clears it (null).
    /// </summary>
    Task<AgentTrustView> SetManualLevel(int? level, string? reason, string adminKeyId);

    /// <summary>Issues a <c>TrustLevelCredential</c> for the current level (valid 6 months; revoked when the key is demoted below it).</summary>
    Task<TrustCredential> IssueCredential(string type);
}

/// <summary>A key's trust as stored and shown.</summary>
[GenerateSerializer, Immutable, Alias("agent-trust.view")]
public sealed record AgentTrustView
{
    [Id(0)] public required string KeyId { get; init; }
    [Id(1)] public int Level { get; init; }
    [Id(2)] public int Score { get; init; }
    [Id(3)] public int DealsCompleted { get; init; }
    [Id(4)] public int DealsFailed { get; init; }
    [Id(5)] public decimal TotalDealValue { get; init; }
    [Id(6)] public DateTimeOffset? FirstCompletedAt { get; init; }
    /// <summary>Set by an admin key: the level is never below it until it is cleared.</summary>
    [Id(7)] public int? ManualLevel { get; init; }
    [Id(8)] public IReadOnlyList<AgentTrustChange> History { get; init; } = [];
    [Id(9)] public IReadOnlyList<AgentTrustLock> Locks { get; init; } = [];
    [Id(10)] public long Version { get; init; }
    [Id(11)] public DateTimeOffset CreatedAt { get; init; }
    [Id(12)] public DateTimeOffset UpdatedAt { get; init; }
    /// <summary>Deals already counted (newest <see cref="TrustLevels.CountedKept"/>): a repeated notice counts nothing.</summary>
    [Id(13)] public IReadOnlyList<string> Counted { get; init; } = [];
    /// <summary>Credentials issued to the key (the newest <see cref="TrustCredentials.Kept"/>).</summary>
    [Id(14)] public IReadOnlyList<TrustCredential> Credentials { get; init; } = [];
    /// <summary>The newest completed deal: inactivity since then decays the score (<see cref="TrustLevels.Decay"/>).</summary>
    [Id(15)] public DateTimeOffset? LastCompletedAt { get; init; }
    /// <summary>The <see cref="LastCompletedAt"/> whose coming decay was warned of (<c>agent.trust.decay_warning</c>, once per idle spell).</summary>
    [Id(16)] public DateTimeOffset? DecayWarnedFor { get; init; }
    /// <summary>When the key's deals failed within the last <see cref="TrustLevels.AbuseWindow"/> (abuse detection).</summary>
    [Id(17)] public IReadOnlyList<DateTimeOffset> RecentFailures { get; init; } = [];

    /// <summary>The locks in force at <paramref name="now"/> (a lock past its <c>expires_at</c> no longer applies, released or not).</summary>
    public IReadOnlyList<AgentTrustLock> ActiveLocks(DateTimeOffset now) => [.. Locks.Where(l => l.ExpiresAt is not { } until || until > now)];

    public AgentTrustLock? LockOn(string capability, DateTimeOffset now) => ActiveLocks(now).FirstOrDefault(l => l.Capability == capability);
}

/// <summary>One level change: from, to, the score then, why (<c>score</c>, <c>manual</c>) and who (an admin key id, or <c>system</c>).</summary>
[GenerateSerializer, Immutable, Alias("agent-trust.change")]
public sealed record AgentTrustChange(
    [property: Id(0)] int FromLevel,
    [property: Id(1)] int ToLevel,
    [property: Id(2)] int Score,
    [property: Id(3)] string Reason,
    [property: Id(4)] string ChangedBy,
    [property: Id(5)] DateTimeOffset ChangedAt);

/// <summary>A capability locked on the key (by abuse protection, <see cref="TrustLevels.AbuseFailures"/>): which, why, since and until when.</summary>
[GenerateSerializer, Immutable, Alias("agent-trust.lock")]
public sealed record AgentTrustLock(
    [property: Id(0)] string Capability,
    [property: Id(1)] string Reason,
    [property: Id(2)] DateTimeOffset LockedAt,
    [property: Id(3)] DateTimeOffset? ExpiresAt);
