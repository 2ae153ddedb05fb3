using Grains.Interfaces.Platform;

namespace Grains.Interfaces.Contacts;

/// <summary>
/// One account (the company a contact works at), keyed <c>{partition}/{acc_id}</c>. Company data, not PII: stored plain.
/// Deleting it is 409 <c>conflict.account_has_contacts</c> while contacts point at it (delete or move them first).
/// </summary>
public interface IAccountGrain : IResourceGrain<AccountFields, AccountView>;

public interface IAccountDirectoryGrain : IResourceDirectoryGrain<AccountView>;

[GenerateSerializer, Immutable, Alias("accounts.fields")]
public sealed record AccountFields : IFieldPatch
{
    [Id(0)] public string? Name { get; init; }
    [Id(1)] public string? Domain { get; init; }
    [Id(2)] public string? Industry { get; init; }
    [Id(3)] public string? CompanySize { get; init; }
    [Id(4)] public decimal? Revenue { get; init; }
    [Id(5)] public string? Location { get; init; }
    [Id(6)] public string? Status { get; init; }
    [Id(7)] public string? Notes { get; init; }
    [Id(8)] public decimal? FitScore { get; init; }
    [Id(9)] public decimal? IntentScore { get; init; }
    [Id(10)] public IReadOnlyList<string> Cleared { get; init; } = [];
}

[GenerateSerializer, Immutable, Alias("accounts.view")]
public sealed record AccountView : IVersionedView
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Name { get; init; }
    [Id(2)] public string? Domain { get; init; }
    [Id(3)] public string? Industry { get; init; }
    [Id(4)] public string? CompanySize { get; init; }
    [Id(5)] public decimal? Revenue { get; init; }
    [Id(6)] public string? Location { get; init; }
    [Id(7)] public required string Status { get; init; }
    [Id(8)] public string? Notes { get; init; }
    [Id(9)] public decimal FitScore { get; init; }
    [Id(10)] public decimal IntentScore { get; init; }
    [Id(11)] public int Tier { get; init; }
    [Id(12)] public long Version { get; init; }
    [Id(13)] public DateTimeOffset CreatedAt { get; init; }
    [Id(14)] public DateTimeOffset UpdatedAt { get; init; }
}

public static class AccountKeys
{
    public const string IdPrefix = "acc";
    public const string ResourceType = "account";

    public static readonly IReadOnlyList<string> Statuses = ["prospect", "active", "customer", "churned"];

    public static string Grain(string partition, string accountId) => $"{partition}/{accountId}";

    /// <summary>
    /// An account's tier follows its fit score (0–1) on the contacts' scale: tier 1 from 0.75, 2 from 0.50, 3 from
    /// 0.25, else 4 (the score is the client's or an enrichment's; we do not invent one: a new account is 0, tier 4).
    /// </summary>
    public static int Tier(decimal fitScore) => EngagementFormula.Tier((int)Math.Floor(fitScore * 100));
}
