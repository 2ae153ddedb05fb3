using Grains.Interfaces.Customers;

namespace Grains.Interfaces.Deals;

/// <summary>
/// A deal configured in one request: header, items, discounts, terms and optionally an inline customer (matched by
/// email, created when the tenant has none) instead of <see cref="DealFields.CustomerId"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("deals.configuration")]
public sealed record DealConfiguration(
    [property: Id(0)] DealFields Fields,
    [property: Id(1)] IReadOnlyList<DealItemInput> Items,
    [property: Id(2)] IReadOnlyList<DealDiscountInput> Discounts,
    [property: Id(3)] string? TermsJson,
    [property: Id(4)] CustomerFields? Customer = null);
