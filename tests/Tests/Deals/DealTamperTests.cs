using System.Net;
using Grains.Deals;
using Grains.Interfaces.Deals;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Tests.Infrastructure;

namespace Tests.Deals;

/// <summary>
/// Public verification sees a signed deal whose stored content was edited behind the API's back (here: the grain's
/// stored state, rewritten through the storage provider as someone with database access would).
/// </summary>
public sealed class DealTamperTests(DealTamperTests.Api api) : IClassFixture<DealTamperTests.Api>
{
    public sealed class Api() : CatalogueApi;

    [Fact]
    public async Task A_signed_deal_whose_stored_price_was_edited_verifies_as_tampered()
    {
        var tenant = await api.NewTenantAsync();
        var (id, customer, _) = await tenant.DealInProgressAsync();
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=sign", """{"consent_to_sign": true}""");
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=sign",
            $$"""{"signer_type":"customer","signer_id":"{{customer}}","consent_to_sign":true}""");
        var anonymous = api.CreateClient();
        var (_, before) = await anonymous.SendJsonAsync(HttpMethod.Get, $"/v1/deals/verify?id={id}");
        Assert.Equal("verified", before.GetProperty("data").GetProperty("verification").Str("status"));

        var grain = api.Grains.GetGrain<IDealGrain>(DealKeys.Grain(tenant.Partition, id));
        var storage = api.Services.GetRequiredKeyedService<IGrainStorage>("Default");
        var stored = new GrainState<DealState>();
        await storage.ReadStateAsync("deal", grain.GetGrainId(), stored);
        var deal = stored.State!.Record!;
        stored.State.Record = deal with { Items = [.. deal.Items.Select(i => i with { UnitPrice = 1.00m })] };
        await storage.WriteStateAsync("deal", grain.GetGrainId(), stored);
        await api.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var after = await Eventually.Get(async () => (await anonymous.SendJsonAsync(HttpMethod.Get, $"/v1/deals/verify?id={id}")).Body,
            b => b.GetProperty("data").GetProperty("verification").Str("status") != "verified", TimeSpan.FromSeconds(20), "the edit to be seen");
        var verification = after.GetProperty("data").GetProperty("verification");
        Assert.Equal("tampered", verification.Str("status"));
        Assert.False(verification.GetProperty("deal_hash").GetProperty("matches").GetBoolean());
        Assert.NotEqual(verification.GetProperty("deal_hash").Str("stored"), verification.GetProperty("deal_hash").Str("current"));
        Assert.True(verification.GetProperty("signature").GetProperty("valid").GetBoolean());

        var (missing, _) = await anonymous.SendJsonAsync(HttpMethod.Get, "/v1/deals/verify?id=deal_000000000000000000000000");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
