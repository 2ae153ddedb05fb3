using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using ApiHost.Api;
using Grains.Interfaces.Customers;

namespace ApiHost.Customers;

/// <summary>The customer object (Salesbooth §Customers). <c>id</c> and <c>customer_id</c> both carry the id.</summary>
public sealed record CustomerResource(
    string Id, string CustomerId, string Name, string Email, string? Phone, string? Company, string? Address, string? City,
    string? State, string? Zip, string? Country, string? Notes, string Status, JsonNode? Metadata, long Version,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record CustomerData(CustomerResource Customer);

public sealed record CustomerList(IReadOnlyList<CustomerResource> Customers, Pagination Pagination);

public sealed record CustomerDeleted(string Id, string CustomerId, bool Deleted);

/// <summary>The PATCH body: any subset of the create fields; null or "" clears an optional one.</summary>
public record CustomerPatch : IApiRequest
{
    [MaxLength(FieldReader.NameMaxLength)] public virtual string? Name { get; init; }
    [EmailAddress] public virtual string? Email { get; init; }
    [Phone] public string? Phone { get; init; }
    [MaxLength(FieldReader.NameMaxLength)] public string? Company { get; init; }
    [MaxLength(1000)] public string? Address { get; init; }
    [MaxLength(FieldReader.NameMaxLength)] public string? City { get; init; }
    [MaxLength(FieldReader.NameMaxLength)] public string? State { get; init; }
    [MaxLength(32)] public string? Zip { get; init; }
    [MaxLength(100)] public string? Country { get; init; }
    [MaxLength(FieldReader.DescriptionMaxLength)] public string? Notes { get; init; }
    [OneOf(typeof(CustomerKeys), nameof(CustomerKeys.Statuses))] public string? Status { get; init; }
    [Description("Free-form key/value object, at most 3 levels deep")] public JsonObject? Metadata { get; init; }
}

/// <summary>The create body: the PATCH fields with name and email required.</summary>
public sealed record CustomerInput : CustomerPatch
{
    [Required, MaxLength(FieldReader.NameMaxLength)] public override string? Name { get; init; }
    [Required, EmailAddress] public override string? Email { get; init; }
}
