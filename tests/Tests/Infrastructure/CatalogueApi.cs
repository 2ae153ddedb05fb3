using Grains.Interfaces.Platform;
using Grains.Interfaces.Tenants;
using Grains.Platform;
using Grains.Tenants;
using Microsoft.Extensions.DependencyInjection;

namespace Tests.Infrastructure;

/// <summary>
/// The embedded API for customer and product tests. Each test works in a tenant of its own (<see cref="NewTenantAsync"/>),
/// so the document's examples (all with jane@example.com) run as written and lists only hold that test's records.
/// </summary>
public class CatalogueApi : EmbeddedApi
{
    public CatalogueApi()
        : this(null)
    {
    }

    protected CatalogueApi(IReadOnlyDictionary<string, string?>? settings)
        : base(new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { ["Bootstrap:AdminKey"] = AdminKey })
    {
    }

    public const string AdminKey = "sb_live_us_CatalogueTestsAdminKey01";

    public IGrainFactory Grains => Services.GetRequiredService<IGrainFactory>();

    /// <summary>
    /// A new tenant with an admin key of <paramref name="environment"/> (there is no tenant sign-up API yet, so
    /// the tenant and its first key are registered through the tenant grain, as the bootstrap key is). More keys
    /// of the tenant come from <c>POST /v1/keys</c> with this one.
    /// </summary>
    public async Task<TestTenant> NewTenantAsync(string environment = "test")
    {
        var tenantId = ResourceIds.New("ten");
        var tenant = Grains.GetGrain<ITenantGrain>(tenantId);
        await tenant.EnsureCreated("Test tenant " + tenantId);
        var secret = ApiKeySecrets.Generate(environment, "us");
        await tenant.CreateApiKey(ApiKeySecrets.Hash(secret),
            new ApiKeyRegistration(tenantId, "tenant admin", ApiKeySecrets.PrefixOf(secret), ["*"], environment));
        return new TestTenant(this, tenantId, environment, secret);
    }
}
