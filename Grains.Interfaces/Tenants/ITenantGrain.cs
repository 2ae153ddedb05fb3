namespace Grains.Interfaces.Tenants;

/// <summary>A tenant: the owner of every record. Keyed by the tenant id (<c>ten_...</c>).</summary>
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>Creates the tenant if it does not exist yet; returns it either way.</summary>
    Task<TenantInfo> EnsureCreated(string name);

    Task<TenantInfo?> Get();
}

[GenerateSerializer, Immutable]
public sealed record TenantInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] DateTimeOffset CreatedAt);
