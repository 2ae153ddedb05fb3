using Grains.Interfaces.Deals;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Products;
using Grains.Platform;
using Npgsql;
using Tests.Infrastructure;

namespace Tests.Deals;

/// <summary>Deals in the cluster topology: the audit trail lives in PostgreSQL, and an edit made there is detected.</summary>
public sealed class DealPostgresTests
{
    [PostgresFact]
    public async Task An_audit_entry_edited_in_postgresql_makes_verify_audit_report_tampered_at_that_entry()
    {
        var database = await TestPostgres.CreateDatabaseAsync("deal_audit");
        await using var cluster = new PostgresCluster(database);
        await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();
        var partition = $"{ResourceIds.New("ten")}:live";
        var actor = new DealActor("key_test", "api_key");

        var productId = ResourceIds.New(ProductKeys.IdPrefix);
        await client.GetGrain<IProductGrain>(ProductKeys.Grain(partition, productId)).Create(new ProductFields { Name = "Plan", Price = 99m });
        var dealId = ResourceIds.New(DealKeys.IdPrefix);
        var deal = client.GetGrain<IDealGrain>(DealKeys.Grain(partition, dealId));
        await deal.Create(new DealFields("Audited", null, null, "USD", 0.1m, DealKeys.OneTime, null, null, null, null), actor);
        await deal.AddItem(new DealItemInput(productId, "Plan", 99m, 1), null, actor);
        await deal.ApplyDiscount(new DealDiscountInput("fixed", 5m), null, actor);
        Assert.Equal("verified", (await deal.VerifyAudit()).Status);

        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var edit = new NpgsqlCommand(
                "UPDATE audit_log SET changes = '{\"quantity\":100}' WHERE entity_id = $1 AND sequence = 2", connection);
            edit.Parameters.Add(new NpgsqlParameter<string> { TypedValue = dealId });
            Assert.Equal(1, await edit.ExecuteNonQueryAsync());
        }

        var result = await deal.VerifyAudit();
        Assert.Equal("tampered", result.Status);
        Assert.Equal(2, result.FirstBrokenSequence);
        Assert.Equal(3, result.TotalEntries);
    }
}
