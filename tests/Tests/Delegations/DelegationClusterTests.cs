using Grains.Interfaces.Deals;
using Grains.Interfaces.Delegations;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Products;
using Grains.Interfaces.Tenants;
using Tests.Infrastructure;

namespace Tests.Delegations;

/// <summary>
/// Money is safe on the cluster topology (state in PostgreSQL): 200 concurrent deal creations under one delegation whose
/// daily cap admits 37 create exactly 37, on one silo and with the deals spread over two.
/// </summary>
public sealed class DelegationClusterTests
{
    private const decimal Price = 100m;

    [PostgresFact]
    public Task On_one_silo_200_concurrent_creations_under_a_cap_for_37_create_exactly_37() => ExactlyThirtySevenAsync(silos: 1);

    [PostgresFact]
    public Task Over_two_silos_200_concurrent_creations_under_a_cap_for_37_create_exactly_37() => ExactlyThirtySevenAsync(silos: 2);

    private static async Task ExactlyThirtySevenAsync(int silos)
    {
        await using var cluster = new PostgresCluster(await TestPostgres.CreateDatabaseAsync($"delegation_{silos}silo"));
        for (var i = 0; i < silos; i++)
        {
            await cluster.StartSiloAsync();
        }
        var client = await cluster.StartClientAsync();
        var tenantId = ResourceIds.New("ten");
        var partition = $"{tenantId}:live";
        await client.GetGrain<ITenantGrain>(tenantId).EnsureCreated("Cluster tenant");
        var secret = ApiKeySecrets.Generate("live", "us");
        var agent = await client.GetGrain<ITenantGrain>(tenantId).CreateApiKey(ApiKeySecrets.Hash(secret),
            new ApiKeyRegistration(tenantId, "agent", ApiKeySecrets.PrefixOf(secret), ["deals:write"], "live"));
        // The grantor is a real key: the delegation grain checks the grant against its scopes.
        var adminSecret = ApiKeySecrets.Generate("live", "us");
        var admin = await client.GetGrain<ITenantGrain>(tenantId).CreateApiKey(ApiKeySecrets.Hash(adminSecret),
            new ApiKeyRegistration(tenantId, "admin", ApiKeySecrets.PrefixOf(adminSecret), ["*"], "live"));
        var productId = ResourceIds.New(ProductKeys.IdPrefix);
        await client.GetGrain<IProductGrain>(ProductKeys.Grain(partition, productId)).Create(new ProductFields { Name = "Seat", Price = Price });
        var delegationId = ResourceIds.New(DelegationKeys.IdPrefix);
        var delegation = client.GetGrain<IDelegationGrain>(DelegationKeys.Grain(partition, delegationId));
        await delegation.Create(new DelegationGrant
        {
            GrantorKeyId = admin.KeyId,
            GranteeKeyId = agent.KeyId,
            GranteeEnvironment = "live",
            AllowedActions = ["deals:write"],
            Limits = new DelegationLimits(null, 37 * Price + 99.99m, null),
        });

        var actor = new DealActor(agent.KeyId, "api_key", true, delegationId);
        var configuration = new DealConfiguration(new DealFields("Seat", null, null, "USD", 0m, DealKeys.OneTime, null, null, null, null),
            [new DealItemInput(productId, "Seat", Price, 1)], [], null);
        var deals = Enumerable.Range(0, 200).Select(_ => client.GetGrain<IDealGrain>(DealKeys.Grain(partition, DealIds.New(partition)))).ToList();
        // The deals are activated (their empty state read) first, so the 200 creations race on the delegation, not on activation.
        // In batches, with retries: 200 activations at once would take 200 connections from a database other test
        // classes share, and a fresh silo on a loaded machine can be slow to place them.
        foreach (var batch in deals.Chunk(20))
        {
            await Task.WhenAll(batch.Select(ActivateAsync));
        }
        var started = System.Diagnostics.Stopwatch.StartNew();
        var attempts = await Task.WhenAll(deals.Select(async deal =>
        {
            try
            {
                await deal.CreateConfigured(configuration, dryRun: false, actor);
                return "created";
            }
            catch (DomainException ex)
            {
                return ex.Code;
            }
        }));

        Console.WriteLine($"200 concurrent delegated creations on {silos} silo(s): {started.ElapsedMilliseconds} ms");
        Assert.Equal(37, attempts.Count(a => a == "created"));
        Assert.Equal(163, attempts.Count(a => a == "spending_limit_exceeded"));
        var view = await delegation.Get();
        Assert.Equal(37 * Price, view.Counters.ReservedToday + view.Counters.SpentToday);
        if (silos == 2)
        {
            Assert.Equal(2, cluster.Silos.Count);
        }
    }

    /// <summary>Reads a new deal's empty state (with retries), so a race that follows is on the delegation, not on activation.</summary>
    internal static async Task ActivateAsync(IDealGrain deal)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await deal.Get();
                throw new InvalidOperationException("A new deal id already exists");
            }
            catch (DomainException ex) when (ex.IsNotFound)
            {
                return;
            }
            catch (Exception ex) when (ex is not DomainException && attempt < 5)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt));
            }
        }
    }
}
