using Grains.Interfaces.Customers;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Platform;
using Grains.Platform;
using Tests.Customers;

using Tests.Infrastructure;

namespace Tests.Deals;

/// <summary>
/// Rules the deal grain enforces itself, called as any grain caller would (no endpoint in between): a caller that
/// skips the API cannot skip them.
/// </summary>
public sealed class DealGrainRuleTests(DealGrainRuleTests.Api api) : IClassFixture<DealGrainRuleTests.Api>
{
    public sealed class Api() : CatalogueApi;

    private static readonly DealActor Actor = new("key_test", "api_key");

    [Theory]
    [InlineData("user")]
    [InlineData("customer")]
    public async Task A_human_signer_without_consent_is_refused_by_the_grain(string signerType)
    {
        var tenant = await api.NewTenantAsync();
        var (id, customer, _) = await tenant.DealInProgressAsync();
        var grain = api.Grains.GetGrain<IDealGrain>(DealKeys.Grain(tenant.Partition, id));

        var refused = await Assert.ThrowsAsync<DomainException>(() =>
            grain.Sign(new DealSignRequest(signerType, "someone", signerType == "customer" ? customer : null, ConsentToSign: false), Actor));

        Assert.Equal("validation_error.invalid_fields", refused.Code);
        var field = Assert.IsType<InvalidFieldDetails>(refused.Details);
        Assert.Equal(("consent_to_sign", "required"), (field.Field, field.Code));
        Assert.Empty((await grain.Get()).Signatures);
    }

    [Fact]
    public async Task An_agent_signer_needs_no_consent()
    {
        var tenant = await api.NewTenantAsync();
        var (id, _, _) = await tenant.DealInProgressAsync();
        var grain = api.Grains.GetGrain<IDealGrain>(DealKeys.Grain(tenant.Partition, id));

        var signed = await grain.Sign(new DealSignRequest("agent", "agent_1", null, ConsentToSign: false), Actor);

        Assert.Single(signed.Signatures);
    }

    [Fact]
    public async Task Create_configured_matches_the_inline_customer_by_email_and_a_dry_run_creates_nothing()
    {
        var tenant = await api.NewTenantAsync();
        var product = await tenant.ProductAsync();
        var email = $"{Guid.NewGuid():N}@example.com";
        var configuration = new DealConfiguration(
            new DealFields("Configured", null, null, "USD", 0m, DealKeys.OneTime, null, null, null, null),
            [new DealItemInput(product, "Professional Plan", 99m, 2)], [], null,
            new CustomerFields { Name = "Jane Smith", Email = email });
        var directory = api.Grains.GetGrain<ICustomerDirectoryGrain>(tenant.Partition);

        var dry = await NewDeal(tenant.Partition).CreateConfigured(configuration, dryRun: true, Actor);
        Assert.Null(dry.CustomerId);
        Assert.Null(await directory.FindByEmail(email));

        var first = await NewDeal(tenant.Partition).CreateConfigured(configuration, dryRun: false, Actor);
        var second = await NewDeal(tenant.Partition).CreateConfigured(configuration, dryRun: false, Actor);
        Assert.NotNull(first.CustomerId);
        Assert.Equal(first.CustomerId, second.CustomerId);
        Assert.Equal(first.CustomerId, await directory.FindByEmail(email));
        Assert.Equal(198m, first.Pricing.Total);
    }

    private IDealGrain NewDeal(string partition) =>
        api.Grains.GetGrain<IDealGrain>(DealKeys.Grain(partition, ResourceIds.New(DealKeys.IdPrefix)));
}
