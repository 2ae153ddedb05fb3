using Grains.Interfaces.Platform;
using Grains.Interfaces.Projections;
using Orleans.Concurrency;

namespace Grains.Interfaces.Contacts;

/// <summary>
/// One contact (SalesOS audience member) of one tenant+environment, keyed <c>{partition}/{con_id}</c>. Name, email,
/// phone and LinkedIn URL are encrypted at rest with the tenant's keys (as customers are); the email is unique per
/// partition by blind index. Engagement (opens, clicks, replies, meetings) is kept here and scored by
/// <see cref="EngagementFormula"/>.
/// </summary>
/// <remarks>Without an expected version (SalesOS clients send no If-Match) a change applies to the current version.</remarks>
public interface IContactGrain : IResourceGrain<ContactFields, ContactView>
{
    /// <summary>Creates a customer from this contact (name, email, phone, the account's name as company) and links it.</summary>
    Task<ContactView> CreateCustomer(string customerId);

    /// <summary>
    /// Records one tracked engagement (the first open, click or reply of an email, or a bounce/unsubscribe) and
    /// re-scores: <c>contact.scored</c> when the score moves, <c>contact.tiered</c> when the tier does.
    /// </summary>
    Task<ContactView> RecordEngagement(EngagementSignal signal);

    /// <summary>Whether this contact holds (or is claiming) the email with this blind index (the reservation asks).</summary>
    [AlwaysInterleave]
    Task<bool> HoldsEmail(string emailIndex);
}

/// <summary>Lists one partition's contacts from the projection (stateless worker keyed by partition).</summary>
public interface IContactDirectoryGrain : IResourceDirectoryGrain<ContactView>
{
    /// <summary>
    /// A contact whose LinkedIn URL is this one (<see cref="ContactKeys.LinkedinKey"/>: case, scheme, <c>www.</c> and a
    /// trailing <c>/</c> ignored), found through a blind index in its projection row; null when none.
    /// </summary>
    Task<string?> FindByLinkedinUrl(string linkedinUrl);
}

/// <summary>Writable contact fields: on create null is "not given"; on update null is "unchanged" and <see cref="Cleared"/> names fields set to null.</summary>
[GenerateSerializer, Immutable, Alias("contacts.fields")]
public sealed record ContactFields : IFieldPatch
{
    [Id(0)] public string? AccountId { get; init; }
    [Id(1)] public string? FirstName { get; init; }
    [Id(2)] public string? LastName { get; init; }
    [Id(3)] public string? Email { get; init; }
    [Id(4)] public string? Phone { get; init; }
    [Id(5)] public string? Title { get; init; }
    [Id(6)] public string? LinkedinUrl { get; init; }
    [Id(7)] public string? Status { get; init; }
    [Id(8)] public string? CustomerId { get; init; }
    [Id(9)] public IReadOnlyList<string> Cleared { get; init; } = [];
}

/// <summary>What happened, for the engagement score and the activity feed.</summary>
[GenerateSerializer, Immutable, Alias("contacts.signal")]
public sealed record EngagementSignal(
    [property: Id(0)] string Kind,
    [property: Id(1)] string? EmailId,
    [property: Id(2)] DateTimeOffset At);

[GenerateSerializer, Immutable, Alias("contacts.activity")]
public sealed record ContactActivity(
    [property: Id(0)] string Type,
    [property: Id(1)] string? EmailId,
    [property: Id(2)] DateTimeOffset At);

/// <summary>The engagement counters behind the score.</summary>
[GenerateSerializer, Immutable, Alias("contacts.engagement")]
public sealed record Engagement(
    [property: Id(0)] int EmailOpens,
    [property: Id(1)] int EmailClicks,
    [property: Id(2)] int EmailReplies,
    [property: Id(3)] int MeetingsAttended,
    [property: Id(4)] DateTimeOffset? LastActivity)
{
    public static readonly Engagement None = new(0, 0, 0, 0, null);
}

/// <summary>A contact as the API shows it (decrypted).</summary>
[GenerateSerializer, Immutable, Alias("contacts.view")]
public sealed record ContactView : IVersionedView
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public string? AccountId { get; init; }
    [Id(2)] public string? FirstName { get; init; }
    [Id(3)] public string? LastName { get; init; }
    [Id(4)] public required string Email { get; init; }
    [Id(5)] public string? Phone { get; init; }
    [Id(6)] public string? Title { get; init; }
    [Id(7)] public string? LinkedinUrl { get; init; }
    [Id(8)] public required string Status { get; init; }
    [Id(9)] public string? CustomerId { get; init; }
    [Id(10)] public Engagement Engagement { get; init; } = Engagement.None;
    [Id(11)] public int EngagementScore { get; init; }
    [Id(12)] public int Tier { get; init; } = EngagementFormula.LowestTier;
    [Id(13)] public DateTimeOffset? UnsubscribedAt { get; init; }
    [Id(14)] public DateTimeOffset? BouncedAt { get; init; }
    [Id(15)] public IReadOnlyList<ContactActivity> Activities { get; init; } = [];
    [Id(16)] public long Version { get; init; }
    [Id(17)] public DateTimeOffset CreatedAt { get; init; }
    [Id(18)] public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>First and last name joined (SalesOS shows <c>name</c>; 4Runr's <c>{name}</c> placeholder uses it).</summary>
    public string Name => string.Join(' ', new[] { FirstName, LastName }.Where(n => !string.IsNullOrEmpty(n)));

    /// <summary>Unsubscribed or hard-bounced: never emailed again, by any path.</summary>
    public bool Suppressed => UnsubscribedAt is not null || BouncedAt is not null;
}

public static class ContactKeys
{
    public const string IdPrefix = "con";
    public const string ResourceType = "contact";

    /// <summary>Statuses a client may set; suppression (unsubscribe, hard bounce) is separate and cannot be undone by a PATCH.</summary>
    public static readonly IReadOnlyList<string> Statuses = ["new", "active", "inactive"];

    public static string Grain(string partition, string contactId) => $"{partition}/{contactId}";

    /// <summary>What makes two LinkedIn URLs the same profile: lower case, without the scheme, a leading <c>www.</c> and trailing <c>/</c>.</summary>
    public static string LinkedinKey(string url)
    {
        var key = url.Trim().ToLowerInvariant();
        foreach (var prefix in new[] { "https://", "http://" })
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                key = key[prefix.Length..];
            }
        }
        return (key.StartsWith("www.", StringComparison.Ordinal) ? key[4..] : key).TrimEnd('/');
    }
}

/// <summary>
/// The engagement score (0–100) and tier (1–4) of a contact, from its tracked events:
/// <c>score = min(100, 5·opens + 10·clicks + 30·replies + 35·meetings)</c>, where each email counts at most once per
/// kind (its first open, first click, first reply). Tier 1 from 75, tier 2 from 50, tier 3 from 25, else tier 4
/// (a new contact: score 0, tier 4). The document's example (3 opens, 2 clicks, 1 reply) scores 65, tier 2.
/// </summary>
public static class EngagementFormula
{
    public const int OpenPoints = 5;
    public const int ClickPoints = 10;
    public const int ReplyPoints = 30;
    public const int MeetingPoints = 35;
    public const int MaxScore = 100;
    public const int LowestTier = 4;

    /// <summary>Lowest score of tiers 1, 2 and 3 (tier 4 is everything below the last).</summary>
    public static readonly IReadOnlyList<int> TierFloors = [75, 50, 25];

    public static int Score(Engagement e) => Math.Min(MaxScore,
        OpenPoints * e.EmailOpens + ClickPoints * e.EmailClicks + ReplyPoints * e.EmailReplies + MeetingPoints * e.MeetingsAttended);

    public static int Tier(int score)
    {
        for (var i = 0; i < TierFloors.Count; i++)
        {
            if (score >= TierFloors[i])
            {
                return i + 1;
            }
        }
        return LowestTier;
    }

    /// <summary>The score range [min, max] of a tier.</summary>
    public static (int Min, int Max) Range(int tier) => tier switch
    {
        1 => (TierFloors[0], MaxScore),
        LowestTier => (0, TierFloors[^1] - 1),
        _ => (TierFloors[tier - 1], TierFloors[tier - 2] - 1),
    };
}
