namespace Grains.Interfaces.AgentTrust;

/// <summary>
/// The trust of a tenant's data partition (key <c>{tenant}:{env}/tenant_trust</c>, <see cref="TenantTrustLevels"/>):
/// its level, score and auto top-up ceiling, evaluated from the partition's deals and the tenant's age, and the
/// history of level changes. Evaluated when read and once a day (a reminder), so a change is seen within a day.
/// </summary>
public interface ITenantTrustGrain : IGrainWithStringKey
{
    /// <summary>The trust as of now; a changed level is written with its events first.</summary>
    Task<TenantTrustView> Evaluate();
}

/// <summary>What the score is made of, and the result.</summary>
[GenerateSerializer, Immutable, Alias("tenant-trust.view")]
public sealed record TenantTrustView
{
    [Id(0)] public required string Level { get; init; }
    [Id(1)] public int Score { get; init; }
    [Id(2)] public int DealsClosed { get; init; }
    [Id(3)] public int DealsCancelled { get; init; }
    [Id(4)] public int DealsExpired { get; init; }
    [Id(5)] public int TenantAgeDays { get; init; }
    [Id(6)] public DateTimeOffset EvaluatedAt { get; init; }
    [Id(7)] public IReadOnlyList<TenantTrustChange> History { get; init; } = [];
    [Id(8)] public long Version { get; init; }
    [Id(9)] public DateTimeOffset CreatedAt { get; init; }
}

[GenerateSerializer, Immutable, Alias("tenant-trust.change")]
public sealed record TenantTrustChange(
    [property: Id(0)] string FromLevel,
    [property: Id(1)] string ToLevel,
    [property: Id(2)] int Score,
    [property: Id(3)] string Reason,
    [property: Id(4)] DateTimeOffset ChangedAt);

/// <summary>
/// Tenant trust (the document gives one example, <c>established</c> at score 85 with a 10,000 ceiling and
/// <c>premium</c> next at 90; the rest is ours): levels <c>new</c> (score 0+, ceiling 1,000), <c>established</c> (50+,
/// 10,000), <c>premium</c> (90+, 50,000). The score (0–100) is 1 per closed deal (at most 50), 5 per full 30 days of
/// the tenant's age (at most 30), and up to 20 for reliability: 20 × closed ÷ (closed + cancelled + expired), floored
/// (0 before any deal ended).
/// </summary>
public static class TenantTrustLevels
{
    public const string ResourceType = "tenant_trust";
    public const string Id = "tenant_trust";

    public static readonly IReadOnlyList<string> Names = ["new", "established", "premium"];
    public static readonly IReadOnlyList<int> ScoreNeeded = [0, 50, 90];
    public static readonly IReadOnlyList<decimal> AutoTopupCeilings = [1_000m, 10_000m, 50_000m];

    public static int Score(int closed, int cancelled, int expired, int ageDays)
    {
        var ended = closed + cancelled + expired;
        var reliability = ended == 0 ? 0 : 20 * closed / ended;
        return Math.Clamp(Math.Min(50, closed) + Math.Min(30, ageDays / 30 * 5) + reliability, 0, 100);
    }

    public static int IndexOf(int score) => ScoreNeeded.Count(needed => score >= needed) - 1;

    public static string Grain(string partition) => $"{partition}/{Id}";
}
