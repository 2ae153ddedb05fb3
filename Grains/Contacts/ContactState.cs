using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Grains.Customers;
using Grains.Encryption;
using Grains.Idempotency;
using Grains.Interfaces.Contacts;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Projections;
using Grains.Platform;
using Grains.Resources;

namespace Grains.Contacts;

[GenerateSerializer, Alias("contacts.state")]
public sealed class ContactState : ResourceState<ContactRecord>;

/// <summary>A contact as stored: first/last name, email, phone and LinkedIn URL sealed (<see cref="SealedFields"/>), the rest plain.</summary>
[GenerateSerializer, Immutable, Alias("contacts.record")]
public sealed record ContactRecord
{
    [Id(0)] public required ContactView Plain { get; init; }
    [Id(1)] public string? FirstName { get; init; }
    [Id(2)] public string? LastName { get; init; }
    [Id(3)] public required string Email { get; init; }
    [Id(4)] public string? Phone { get; init; }
    [Id(5)] public string? LinkedinUrl { get; init; }
    [Id(6), JsonIgnore] public string EmailIndex { get; init; } = "";
    [Id(7), JsonIgnore] public IReadOnlyList<string> SearchTokens { get; init; } = [];
}

/// <summary>Moves contacts between views and sealed records; applies changes and engagement (all pure).</summary>
public static class ContactRecords
{
    /// <summary>Contacts reserve emails in their own index space: a contact may share its email with a customer.</summary>
    private const string EmailPurpose = "contact_email";

    /// <summary>The LinkedIn URL's blind index, kept among the row's search tokens (its own purpose: no search term matches it).</summary>
    private const string LinkedinPurpose = "contact_linkedin";

    /// <summary>The newest activities a contact keeps (the feed on GET).</summary>
    public const int MaxActivities = 50;

    public static ContactView New(string id, ContactFields fields, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(fields.Email))
        {
            throw DomainException.Invalid("email", "required", "email is required");
        }
        return new ContactView
        {
            Id = id, AccountId = fields.AccountId, FirstName = fields.FirstName, LastName = fields.LastName,
            Email = fields.Email.Trim().ToLowerInvariant(), Phone = fields.Phone, Title = fields.Title,
            LinkedinUrl = fields.LinkedinUrl, Status = fields.Status ?? "new", CustomerId = fields.CustomerId,
            Version = 1, CreatedAt = now, UpdatedAt = now,
        };
    }

    public static (ContactView Next, IReadOnlyList<string> Changed) Apply(ContactView current, ContactFields changes)
    {
        if (changes.IsCleared("email"))
        {
            throw DomainException.Invalid("email", "required", "email is required");
        }
        var next = current with
        {
            AccountId = changes.Patched(changes.AccountId, current.AccountId, "account_id"),
            FirstName = changes.Patched(changes.FirstName, current.FirstName, "first_name"),
            LastName = changes.Patched(changes.LastName, current.LastName, "last_name"),
            Email = changes.Email?.Trim().ToLowerInvariant() ?? current.Email,
            Phone = changes.Patched(changes.Phone, current.Phone, "phone"),
            Title = changes.Patched(changes.Title, current.Title, "title"),
            LinkedinUrl = changes.Patched(changes.LinkedinUrl, current.LinkedinUrl, "linkedin_url"),
            Status = changes.Status ?? current.Status,
            CustomerId = changes.Patched(changes.CustomerId, current.CustomerId, "customer_id"),
        };
        var changed = new ChangedFields()
            .Compare("account_id", current.AccountId, next.AccountId)
            .Compare("first_name", current.FirstName, next.FirstName)
            .Compare("last_name", current.LastName, next.LastName)
            .Compare("email", current.Email, next.Email)
            .Compare("phone", current.Phone, next.Phone)
            .Compare("title", current.Title, next.Title)
            .Compare("linkedin_url", current.LinkedinUrl, next.LinkedinUrl)
            .Compare("status", current.Status, next.Status)
            .Compare("customer_id", current.CustomerId, next.CustomerId);
        return (next, changed.Names);
    }

    /// <summary>The contact after one tracked signal: counters, score and tier by <see cref="EngagementFormula"/>, suppression, feed.</summary>
    public static ContactView Engaged(ContactView current, EngagementSignal signal)
    {
        var e = current.Engagement;
        e = signal.Kind switch
        {
            EngagementKinds.Opened => e with { EmailOpens = e.EmailOpens + 1 },
            EngagementKinds.Clicked => e with { EmailClicks = e.EmailClicks + 1 },
            EngagementKinds.Replied => e with { EmailReplies = e.EmailReplies + 1 },
            EngagementKinds.MeetingAttended => e with { MeetingsAttended = e.MeetingsAttended + 1 },
            _ => e,
        };
        if (EngagementKinds.Scored.Contains(signal.Kind))
        {
            e = e with { LastActivity = signal.At > e.LastActivity || e.LastActivity is null ? signal.At : e.LastActivity };
        }
        var score = EngagementFormula.Score(e);
        // Arrays in stored state (a collection expression typed as an interface costs a reflective codec lookup per write; see EmailRecords.Moved).
        ContactActivity[] activities = [new ContactActivity(signal.Kind, signal.EmailId, signal.At), .. current.Activities.Take(MaxActivities - 1)];
        return current with
        {
            Engagement = e,
            EngagementScore = score,
            Tier = EngagementFormula.Tier(score),
            UnsubscribedAt = signal.Kind == EngagementKinds.Unsubscribed ? current.UnsubscribedAt ?? signal.At : current.UnsubscribedAt,
            BouncedAt = signal.Kind == EngagementKinds.HardBounced ? current.BouncedAt ?? signal.At : current.BouncedAt,
            Activities = activities,
        };
    }

    public static ContactRecord Seal(ContactView view, ContactRecord? previous, ContactView? before, TenantCrypto crypto, string grainKey)
    {
        var fields = new SealedFields(crypto, grainKey);
        string[] searchTokens = [.. CustomerSearch.DocumentTokens([view.FirstName, view.LastName, view.Title], view.Email, view.Phone, crypto),
            .. view.LinkedinUrl is { } url ? [LinkedinIndex(url, crypto)] : Array.Empty<string>()];
        return new ContactRecord
        {
            Plain = Stripped(view),
            FirstName = fields.SealOptional(view.FirstName, before?.FirstName, previous?.FirstName, "first_name"),
            LastName = fields.SealOptional(view.LastName, before?.LastName, previous?.LastName, "last_name"),
            Email = fields.Seal(view.Email, before?.Email, previous?.Email, "email"),
            Phone = fields.SealOptional(view.Phone, before?.Phone, previous?.Phone, "phone"),
            LinkedinUrl = fields.SealOptional(view.LinkedinUrl, before?.LinkedinUrl, previous?.LinkedinUrl, "linkedin_url"),
            EmailIndex = EmailIndex(view.Email, crypto),
            SearchTokens = searchTokens,
        };
    }

    /// <summary>The record with a new plain part and the same PII (sealed fields, email index, search tokens).</summary>
    public static ContactRecord WithPlain(ContactRecord record, ContactView view) => record with { Plain = Stripped(view) };

    /// <summary>The plain copy keeps only what is not PII.</summary>
    private static ContactView Stripped(ContactView view) =>
        view with { FirstName = null, LastName = null, Email = "", Phone = null, LinkedinUrl = null };

    public static ContactView Open(ContactRecord record, TenantCrypto crypto, string grainKey)
    {
        var fields = new SealedFields(crypto, grainKey);
        return record.Plain with
        {
            FirstName = fields.OpenOptional(record.FirstName, "first_name"),
            LastName = fields.OpenOptional(record.LastName, "last_name"),
            Email = fields.Open(record.Email, "email"),
            Phone = fields.OpenOptional(record.Phone, "phone"),
            LinkedinUrl = fields.OpenOptional(record.LinkedinUrl, "linkedin_url"),
        };
    }

    public static string LinkedinIndex(string linkedinUrl, TenantCrypto crypto) => crypto.BlindIndex(LinkedinPurpose, ContactKeys.LinkedinKey(linkedinUrl));

    public static string EmailIndex(string email, TenantCrypto crypto) => crypto.BlindIndex(EmailPurpose, email.Trim().ToLowerInvariant());

    /// <summary>Filters: <c>account_id</c>, <c>customer_id</c>, <c>tier</c>; the amount column holds the engagement score (range filter).</summary>
    public static ProjectionRow ToRow(string partition, ContactRecord record)
    {
        var plain = record.Plain;
        var filters = new Dictionary<string, string> { ["tier"] = plain.Tier.ToString(CultureInfo.InvariantCulture) };
        if (plain.AccountId is { } account)
        {
            filters["account_id"] = account;
        }
        if (plain.CustomerId is { } customer)
        {
            filters["customer_id"] = customer;
        }
        return new ProjectionRow(partition, ContactKeys.ResourceType, plain.Id, plain.Version, plain.Status, plain.CreatedAt, plain.UpdatedAt,
            filters, record.SearchTokens, JsonSerializer.Serialize(record, ContactDocumentJson.Default.ContactRecord), plain.EngagementScore);
    }

    public static ContactRecord FromDocument(string document) =>
        ResourceDocuments.Read<ContactRecord>(document);
}

/// <summary>The signals a contact records (also its activity types).</summary>
public static class EngagementKinds
{
    public const string Sent = "email_sent";
    public const string Opened = "email_opened";
    public const string Clicked = "email_clicked";
    public const string Replied = "email_replied";
    public const string MeetingAttended = "meeting_attended";
    public const string Unsubscribed = "email_unsubscribed";
    public const string HardBounced = "email_bounced";

    public static readonly IReadOnlySet<string> Scored = new HashSet<string>(StringComparer.Ordinal) { Opened, Clicked, Replied, MeetingAttended };
}

/// <summary>
/// The projection document's writer (snake_case, web defaults), generated at build time: every engagement signal (one
/// per email sent) writes the contact's row with its activity feed. The same JSON as the reflection-based serializer.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ContactRecord))]
public sealed partial class ContactDocumentJson : JsonSerializerContext;
