using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using ApiHost.Api;
using Grains.Interfaces.Contacts;

namespace ApiHost.Contacts;

/// <summary>A contact (SalesOS §Contacts): the document's fields plus engagement, suppression and the customer link.</summary>
public sealed record ContactResource(
    string Id, string? AccountId, string? CustomerId, string? FirstName, string? LastName, string Name, string Email, string? Phone,
    string? Title, string? LinkedinUrl, string Status, int EngagementScore, int IntentScore, int Tier, DateTimeOffset? UnsubscribedAt,
    DateTimeOffset? BouncedAt, long Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), Description("GET one only")] IReadOnlyList<ContactActivityRecord>? Activities = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), Description("GET one only")] NextBestAction? NextBestAction = null);

public sealed record ContactActivityRecord(string Type, string? EmailId, DateTimeOffset At);

/// <summary>A rule, not a model: suppressed → none; a reply → schedule_meeting; a click or open → send_follow_up; else send_first_email.</summary>
public sealed record NextBestAction(string Action, decimal Confidence);

public sealed record ContactData(ContactResource Contact);

public sealed record ContactCustomerData(ContactResource Contact, string CustomerId);

public sealed record ContactList(IReadOnlyList<ContactResource> Contacts, Pagination Pagination);

public sealed record EngagementScoreData(string ContactId, int Score, EngagementComponents Components, EngagementComponents Weights, int Tier,
    DateTimeOffset? LastActivity, DateTimeOffset CalculatedAt);

public sealed record EngagementComponents(int EmailOpens, int EmailClicks, int EmailReplies, int MeetingsAttended);

public sealed record AccountResource(
    string Id, string Name, string? Domain, string? Industry, string? CompanySize, decimal? Revenue, string? Location, string Status, string? Notes,
    decimal FitScore, decimal IntentScore, int Tier, long Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), Description("GET one only")] IReadOnlyList<ContactResource>? Contacts = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), Description("GET one only")] IReadOnlyList<ContactActivityRecord>? Activities = null);

public sealed record AccountData(AccountResource Account);

public sealed record AccountList(IReadOnlyList<AccountResource> Accounts, Pagination Pagination);

public record ContactPatch : IApiRequest
{
    [MaxLength(64)] public string? AccountId { get; init; }
    [MaxLength(64)] public string? CustomerId { get; init; }
    [MaxLength(FieldReader.NameMaxLength)] public string? FirstName { get; init; }
    [MaxLength(FieldReader.NameMaxLength)] public string? LastName { get; init; }
    [EmailAddress] public virtual string? Email { get; init; }
    [Phone] public string? Phone { get; init; }
    [MaxLength(FieldReader.NameMaxLength)] public string? Title { get; init; }
    [Url] public string? LinkedinUrl { get; init; }
    [OneOf(typeof(ContactKeys), nameof(ContactKeys.Statuses))] public string? Status { get; init; }
}

public sealed record ContactInput : ContactPatch
{
    [Required, EmailAddress] public override string? Email { get; init; }
}

public record AccountPatch : IApiRequest
{
    [MaxLength(FieldReader.NameMaxLength)] public virtual string? Name { get; init; }
    [MaxLength(FieldReader.NameMaxLength)] public string? Domain { get; init; }
    [MaxLength(FieldReader.NameMaxLength)] public string? Industry { get; init; }
    [MaxLength(64)] public string? CompanySize { get; init; }
    [Range(0, double.MaxValue)] public decimal? Revenue { get; init; }
    [MaxLength(FieldReader.NameMaxLength)] public string? Location { get; init; }
    [MaxLength(FieldReader.DescriptionMaxLength)] public string? Notes { get; init; }
    [Range(0, 1)] public decimal? FitScore { get; init; }
    [Range(0, 1)] public decimal? IntentScore { get; init; }
    [OneOf(typeof(AccountKeys), nameof(AccountKeys.Statuses))] public string? Status { get; init; }
}

public sealed record AccountInput : AccountPatch
{
    [Required, MaxLength(FieldReader.NameMaxLength)] public override string? Name { get; init; }
}
