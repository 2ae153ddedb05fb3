using Grains.Interfaces.Platform;
using Grains.Interfaces.Events;
using Grains.Interfaces.Projections;
using Orleans.Concurrency;

namespace Grains.Interfaces.Customers;

/// <summary>
/// One customer of one tenant+environment, keyed <c>{partition}/{cust_id}</c> (<see cref="CustomerKeys.Grain"/>),
/// so another tenant's or environment's id is simply a grain that does not exist. Name, email and phone are
/// encrypted at rest; views carry plaintext and never leave the silo except as answers to the caller that owns them.
/// </summary>
public interface ICustomerGrain : IGrainWithStringKey
{
    /// <summary>Creates the customer at version 1; 409 <c>conflict.duplicate_email</c> when the email is taken in the partition.</summary>
    Task<CustomerView> Create(CustomerFields fields);

    /// <summary>The customer; 404 <c>not_found</c> when it does not exist (or was deleted).</summary>
    Task<CustomerView> Get(CancellationToken cancellationToken = default);

    /// <summary>Applies the given fields when <paramref name="expectedVersion"/> is current (else 412); all or nothing.</summary>
    Task<CustomerView> Update(CustomerFields changes, long expectedVersion);

    /// <summary>Deletes permanently when <paramref name="expectedVersion"/> is current (else 412); frees the email.</summary>
    Task Delete(long expectedVersion);

    /// <summary>
    /// Whether this customer holds (or is in the middle of claiming or giving up) the email with this blind index.
    /// The email reservation asks while it may be called by this very grain, hence interleaving.
    /// </summary>
    [AlwaysInterleave]
    Task<bool> HoldsEmail(string emailIndex);

    /// <summary>Events recorded and not yet handed on (the event pipeline drains these).</summary>
    Task<IReadOnlyList<OutboxEvent>> PendingEvents();
}

/// <summary>
/// Lists and searches one partition's customers from the projection (never by scanning grains). A stateless
/// worker keyed by partition: it turns the search into blind-index tokens and decrypts the page it returns.
/// </summary>
public interface ICustomerDirectoryGrain : IGrainWithStringKey
{
    Task<ListPage<CustomerView>> List(ListQuery query, CancellationToken cancellationToken = default);

    /// <summary>The id of the partition's customer with this email (case-insensitive), or null.</summary>
    Task<string?> FindByEmail(string email, CancellationToken cancellationToken = default);
}

/// <summary>
/// The writable fields of a customer. On create, null means "not given"; on update, null means "unchanged"
/// and a name in <see cref="Cleared"/> means "set to null" (the client sent null or an empty string).
/// </summary>
[GenerateSerializer, Immutable, Alias("customers.fields")]
public sealed record CustomerFields : IFieldPatch
{
    [Id(0)] public string? Name { get; init; }
    [Id(1)] public string? Email { get; init; }
    [Id(2)] public string? Phone { get; init; }
    [Id(3)] public string? Company { get; init; }
    [Id(4)] public string? Address { get; init; }
    [Id(5)] public string? City { get; init; }
    [Id(6)] public string? State { get; init; }
    [Id(7)] public string? Zip { get; init; }
    [Id(8)] public string? Country { get; init; }
    [Id(9)] public string? Notes { get; init; }
    [Id(10)] public string? Status { get; init; }
    [Id(11)] public string? MetadataJson { get; init; }
    [Id(12)] public IReadOnlyList<string> Cleared { get; init; } = [];
}

/// <summary>A customer as the API shows it (decrypted).</summary>
[GenerateSerializer, Immutable, Alias("customers.view")]
public sealed record CustomerView(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Email,
    [property: Id(3)] string? Phone,
    [property: Id(4)] string? Company,
    [property: Id(5)] string? Address,
    [property: Id(6)] string? City,
    [property: Id(7)] string? State,
    [property: Id(8)] string? Zip,
    [property: Id(9)] string? Country,
    [property: Id(10)] string? Notes,
    [property: Id(11)] string Status,
    [property: Id(12)] string? MetadataJson,
    [property: Id(13)] long Version,
    [property: Id(14)] DateTimeOffset CreatedAt,
    [property: Id(15)] DateTimeOffset UpdatedAt);

public static class CustomerKeys
{
    public const string IdPrefix = "cust";

    /// <summary>The projection's resource type.</summary>
    public const string ResourceType = "customer";

    public static readonly IReadOnlyList<string> Statuses = ["active", "inactive", "archived"];

    /// <summary>The grain key: the caller's partition (<c>tenant:environment</c>) and the customer id.</summary>
    public static string Grain(string partition, string customerId) => $"{partition}/{customerId}";
}
