using Grains.Idempotency;
using Grains.Resources;
using System.Text.Json;
using System.Text.Json.Serialization;
using Grains.Encryption;
using Grains.Interfaces.Customers;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Projections;
using Grains.Platform;

namespace Grains.Customers;

[GenerateSerializer, Alias("customers.state")]
public sealed class CustomerState : IResourceState<CustomerRecord>
{
    /// <summary>The customer as stored (PII encrypted); null before creation and after deletion.</summary>
    [Id(0)] public CustomerRecord? Record { get; set; }

    /// <summary>A deleted customer keeps this tombstone (no data) so its id is never reused and its last event is kept.</summary>
    [Id(1)] public bool Deleted { get; set; }

    /// <summary>Version of the last change, deletion included.</summary>
    [Id(2)] public long Version { get; set; }

    /// <summary>The version the projection is known to have; behind <see cref="Version"/> means "re-project on activation".</summary>
    [Id(3)] public long ProjectionVersion { get; set; }

    [Id(4)] public List<OutboxEvent> Outbox { get; set; } = [];

    /// <summary>Keyed changes this grain committed (the request's outcome, written with the change).</summary>
    [Id(5)] public Dictionary<string, AppliedKey> AppliedKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Rows the next write derives (not serialized; see <see cref="IHoldsDerivedRows"/>).</summary>
    [field: NonSerialized]
    public DerivedRows? DerivedRows { get; set; }
}

/// <summary>
/// A customer as stored in grain state and, serialized, as the projection's document: name, email and phone are
/// ciphertext (<see cref="TenantCrypto"/>, bound to this record and field), everything else plain.
/// </summary>
[GenerateSerializer, Immutable, Alias("customers.record")]
public sealed record CustomerRecord
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Name { get; init; }
    [Id(2)] public required string Email { get; init; }
    [Id(3)] public string? Phone { get; init; }
    [Id(4)] public string? Company { get; init; }
    [Id(5)] public string? Address { get; init; }
    [Id(6)] public string? City { get; init; }
    [Id(7)] public string? State { get; init; }
    [Id(8)] public string? Zip { get; init; }
    [Id(9)] public string? Country { get; init; }
    [Id(10)] public string? Notes { get; init; }
    [Id(11)] public required string Status { get; init; }
    [Id(12)] public string? MetadataJson { get; init; }
    [Id(13)] public long Version { get; init; }
    [Id(14)] public DateTimeOffset CreatedAt { get; init; }
    [Id(15)] public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Blind index of the email: the key of its uniqueness reservation.</summary>
    [Id(16), JsonIgnore] public string EmailIndex { get; init; } = "";

    [Id(17), JsonIgnore] public IReadOnlyList<string> SearchTokens { get; init; } = [];
}

/// <summary>Moves customers between plaintext views and stored records, and applies changes (all pure).</summary>
public static class CustomerRecords
{
    private const string EmailPurpose = "email";

    public static CustomerView New(string id, CustomerFields fields, DateTimeOffset now)
    {
        Require(fields.Name, "name");
        Require(fields.Email, "email");
        return new CustomerView(id, fields.Name!, fields.Email!, fields.Phone, fields.Company, fields.Address, fields.City,
            fields.State, fields.Zip, fields.Country, fields.Notes, CheckStatus(fields.Status ?? "active"), fields.MetadataJson,
            1, now, now);
    }

    /// <summary>The view with <paramref name="changes"/> applied, and the names of the fields that changed.</summary>
    public static (CustomerView Next, IReadOnlyList<string> Changed) Apply(CustomerView current, CustomerFields changes)
    {
        if (changes.IsCleared("name") || changes.IsCleared("email"))
        {
            Require(null, changes.IsCleared("name") ? "name" : "email");
        }

        var next = current with
        {
            Name = changes.Name ?? current.Name,
            Email = changes.Email ?? current.Email,
            Phone = changes.Patched(changes.Phone, current.Phone, "phone"),
            Company = changes.Patched(changes.Company, current.Company, "company"),
            Address = changes.Patched(changes.Address, current.Address, "address"),
            City = changes.Patched(changes.City, current.City, "city"),
            State = changes.Patched(changes.State, current.State, "state"),
            Zip = changes.Patched(changes.Zip, current.Zip, "zip"),
            Country = changes.Patched(changes.Country, current.Country, "country"),
            Notes = changes.Patched(changes.Notes, current.Notes, "notes"),
            Status = CheckStatus(changes.Status ?? current.Status),
            MetadataJson = changes.Patched(changes.MetadataJson, current.MetadataJson, "metadata"),
        };
        var changed = new ChangedFields()
            .Compare("name", current.Name, next.Name)
            .Compare("email", current.Email, next.Email)
            .Compare("phone", current.Phone, next.Phone)
            .Compare("company", current.Company, next.Company)
            .Compare("address", current.Address, next.Address)
            .Compare("city", current.City, next.City)
            .Compare("state", current.State, next.State)
            .Compare("zip", current.Zip, next.Zip)
            .Compare("country", current.Country, next.Country)
            .Compare("notes", current.Notes, next.Notes)
            .Compare("status", current.Status, next.Status)
            .Compare("metadata", current.MetadataJson, next.MetadataJson);
        return (next, changed.Names);
    }

    /// <summary>
    /// Encrypts the view into a record. Ciphertext of fields whose plaintext did not change is kept from
    /// <paramref name="previous"/>, so an update rewrites only what it touched.
    /// </summary>
    /// <param name="grainKey">The customer's grain key; with the field name it is the ciphertext's associated data.</param>
    public static CustomerRecord Seal(CustomerView view, CustomerRecord? previous, CustomerView? previousView, TenantCrypto crypto, string grainKey)
    {
        var fields = new SealedFields(crypto, grainKey);
        return new CustomerRecord
        {
            Id = view.Id,
            Name = fields.Seal(view.Name, previousView?.Name, previous?.Name, "name"),
            Email = fields.Seal(view.Email, previousView?.Email, previous?.Email, "email"),
            Phone = fields.SealOptional(view.Phone, previousView?.Phone, previous?.Phone, "phone"),
            Company = view.Company,
            Address = view.Address,
            City = view.City,
            State = view.State,
            Zip = view.Zip,
            Country = view.Country,
            Notes = view.Notes,
            Status = view.Status,
            MetadataJson = view.MetadataJson,
            Version = view.Version,
            CreatedAt = view.CreatedAt,
            UpdatedAt = view.UpdatedAt,
            EmailIndex = EmailIndex(view.Email, crypto),
            SearchTokens = CustomerSearch.DocumentTokens(view, crypto),
        };
    }

    public static CustomerView Open(CustomerRecord record, TenantCrypto crypto, string grainKey)
    {
        var fields = new SealedFields(crypto, grainKey);
        return new(record.Id, fields.Open(record.Name, "name"), fields.Open(record.Email, "email"), fields.OpenOptional(record.Phone, "phone"),
            record.Company, record.Address, record.City, record.State, record.Zip, record.Country, record.Notes, record.Status,
            record.MetadataJson, record.Version, record.CreatedAt, record.UpdatedAt);
    }

    /// <summary>The uniqueness key of an email within a tenant (emails are stored lower-cased).</summary>
    public static string EmailIndex(string email, TenantCrypto crypto) => crypto.BlindIndex(EmailPurpose, email.Trim().ToLowerInvariant());

    public static ProjectionRow ToRow(string partition, CustomerRecord record) => new(
        partition, CustomerKeys.ResourceType, record.Id, record.Version, record.Status, record.CreatedAt, record.UpdatedAt,
        new Dictionary<string, string>(), record.SearchTokens, ResourceDocuments.Write(record));

    public static CustomerRecord FromDocument(string document) =>
        ResourceDocuments.Read<CustomerRecord>(document);

    private static void Require(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw DomainException.Invalid(field, "required", $"{field} is required");
        }
    }

    private static string CheckStatus(string status) => CustomerKeys.Statuses.Contains(status)
        ? status
        : throw DomainException.Invalid("status", "invalid", $"status must be one of: {string.Join(", ", CustomerKeys.Statuses)}");
}
