namespace Grains.Interfaces.AgentTrust;

/// <summary>
/// The document's trust levels (label, transaction cap, capabilities, how reached) and the score, which the document
/// leaves open. The score (0–100, whole points) is:
/// <list type="bullet">
/// <item>completions: 20 for the first completed deal and 7.5 for each further one, at most 60 (1 deal = 20, 5 deals = 50);</item>
/// <item>value: 1 per 1,000 of completed deal value, at most 20;</item>
/// <item>track record: 20 once the first completed deal is 30 days old;</item>
/// <item>reliability: minus 10 per failed (cancelled or expired) deal;</item>
/// <item>inactivity: minus 5 from 60 days after the last completed deal, and 5 more every further 7 days (<see cref="Decay"/>);</item>
/// </list>
/// floored and clamped to 0–100. The earned level is the highest whose rule holds: L1 score ≥ 20 and 1 completed
/// deal, L2 score ≥ 50 and 5 completed deals, L3 score ≥ 80 and a 30-day track record; L4 only by an admin key. The
/// earned level follows the record both ways (failures can demote).
/// </summary>
public static class TrustLevels
{
    public const int Max = 4;
    public const int Delegate = 2;
    public const int CountedKept = 500;
    public static readonly TimeSpan TrackRecord = TimeSpan.FromDays(30);

    public static readonly IReadOnlyList<string> Labels = ["Untrusted", "Provisional", "Established", "Trusted", "Verified Partner"];

    /// <summary>Per-deal cap by level; null is unlimited.</summary>
    public static readonly IReadOnlyList<decimal?> Caps = [0m, 500m, 5_000m, null, null];

    /// <summary>Score needed for levels 1–3 (level 4 is manual).</summary>
    public static readonly IReadOnlyList<int> ScoreNeeded = [0, 20, 50, 80];

    public static readonly IReadOnlyList<int> DealsNeeded = [0, 1, 5, 0];

    public static readonly IReadOnlyList<IReadOnlyList<string>> Capabilities =
    [
        ["discovery"],
        ["discovery", "deal_creation", "negotiation"],
        ["discovery", "deal_management", "negotiation", "templates", "intelligence", "delegation"],
        ["discovery", "deal_management", "negotiation", "templates", "intelligence", "delegation", "federation"],
        ["discovery", "deal_management", "negotiation", "templates", "intelligence", "delegation", "federation", "system_tools"],
    ];

    /// <summary>Rate-limit multiplier by level (document §Rate limits).</summary>
    public static readonly IReadOnlyList<decimal> RateMultipliers = [0.5m, 1m, 2m, 5m, 10m];

    /// <summary>The score; <paramref name="lastCompletedAt"/> (inactivity) takes <see cref="Decay"/> off it.</summary>
    public static int Score(int completed, int failed, decimal value, DateTimeOffset? firstCompletedAt, DateTimeOffset now,
        DateTimeOffset? lastCompletedAt = null)
    {
        var completions = completed == 0 ? 0m : Math.Min(60m, 20m + 7.5m * (completed - 1));
        var worth = Math.Min(20m, Math.Floor(value / 1000m));
        var record = firstCompletedAt is { } first && now - first >= TrackRecord ? 20m : 0m;
        return (int)Math.Clamp(Math.Floor(completions + worth + record - 10m * failed - Decay(lastCompletedAt, now)), 0m, 100m);
    }

    /// <summary>Inactivity: no completed deal for <see cref="DecayGrace"/> costs <see cref="DecayPoints"/>, and as much again every further <see cref="DecayStep"/>.</summary>
    public static readonly TimeSpan DecayGrace = TimeSpan.FromDays(60);

    public static readonly TimeSpan DecayStep = TimeSpan.FromDays(7);

    public const int DecayPoints = 5;

    /// <summary><c>agent.trust.decay_warning</c> is sent this long before the first decay.</summary>
    public static readonly TimeSpan DecayWarning = TimeSpan.FromDays(7);

    /// <summary>Points lost to inactivity at <paramref name="now"/> since the last completed deal (none before one).</summary>
    public static int Decay(DateTimeOffset? lastCompletedAt, DateTimeOffset now) =>
        lastCompletedAt is { } last && now >= last + DecayGrace ? DecayPoints * (1 + (int)((now - last - DecayGrace).Ticks / DecayStep.Ticks)) : 0;

    /// <summary>When the decay next grows (null before any completed deal).</summary>
    public static DateTimeOffset? NextDecayAt(DateTimeOffset? lastCompletedAt, DateTimeOffset now) =>
        lastCompletedAt is not { } last ? null
        : now < last + DecayGrace ? last + DecayGrace
        : last + DecayGrace + DecayStep * (1 + (now - last - DecayGrace).Ticks / DecayStep.Ticks);

    /// <summary>Abuse protection: this many failed deals within <see cref="AbuseWindow"/> lock <see cref="AbuseLocked"/> for <see cref="LockPeriod"/>.</summary>
    public const int AbuseFailures = 3;

    public static readonly TimeSpan AbuseWindow = TimeSpan.FromHours(24);

    public static readonly TimeSpan LockPeriod = TimeSpan.FromHours(72);

    /// <summary>What an abuse lock takes away: transacting (creating or raising a deal's value) and delegating.</summary>
    public static readonly IReadOnlyList<string> AbuseLocked = ["deal_creation", "deal_management", "delegation"];

    public const string AbuseReason = "repeated_failed_deals";

    /// <summary>The level the record earns (0–3).</summary>
    public static int Earned(int score, int completed, DateTimeOffset? firstCompletedAt, DateTimeOffset now)
    {
        if (score >= ScoreNeeded[3] && firstCompletedAt is { } first && now - first >= TrackRecord)
        {
            return 3;
        }
        return score >= ScoreNeeded[2] && completed >= DealsNeeded[2] ? 2 : score >= ScoreNeeded[1] && completed >= DealsNeeded[1] ? 1 : 0;
    }

    public static bool IsAgentKey(string keyId) => keyId.StartsWith(AgentKeyPrefix + "_", StringComparison.Ordinal);

    /// <summary>Agent keys' ids are <c>key_agent_...</c>.</summary>
    public const string AgentKeyPrefix = "key_agent";

    public const string ResourceType = "agent_trust";

    public static string Grain(string partition, string keyId) => $"{partition}/{keyId}";
}
