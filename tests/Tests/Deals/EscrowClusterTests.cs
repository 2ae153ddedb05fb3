using Grains.Deals;
using Grains.Interfaces.Customers;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Products;
using Grains.Interfaces.Platform;
using Grains.Platform;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Tests.Infrastructure;

namespace Tests.Deals;

/// <summary>
/// Cluster topology on PostgreSQL (state and reminders there): an escrow's expiry survives the loss of the silo that
/// held the deal, and fires from the surviving silo once the (fake) clock reaches expires_at.
/// </summary>
public sealed class EscrowClusterTests
{
    private static readonly TimeSpan ClusterTimeout = TimeSpan.FromSeconds(90);

    [PostgresFact]
    public async Task An_escrow_expiry_registered_on_a_silo_that_dies_refunds_from_the_surviving_silo_once()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 9, 10, 0, 0, TimeSpan.Zero));
        await using var cluster = new PostgresCluster(await TestPostgres.CreateDatabaseAsync("escrow_failover"), time: time);
        var first = await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();
        var partition = $"{ResourceIds.New("ten")}:live";
        var key = await PendingPaymentDealAsync(client, partition);
        var escrowGrain = client.GetGrain<IDealEscrowGrain>(key);
        var created = await escrowGrain.CreateEscrow(
            new EscrowRequest([new EscrowConditionInput("delivery", null)], null, null, EscrowKeys.DefaultExpiresInSeconds),
            new DealActor("key_test", "api_key"));
        Assert.Equal(time.GetUtcNow().AddDays(7), created.Escrow.ExpiresAt);

        // The reminder is in PostgreSQL before the call returns; every grain so far lives on the first silo.
        var reminders = first.Services.GetRequiredService<IReminderTable>();
        var grainId = escrowGrain.GetGrainId();
        Assert.NotNull(await reminders.ReadRow(grainId, DealGrain.DeadlineReminder));
        await cluster.StartSiloAsync();
        await cluster.KillSiloAsync(first);

        // Not due yet: the surviving silo's ticks leave it held.
        time.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        var stillHeld = await Eventually.Get(() => escrowGrain.Escrow(), e => e.IsHeld, ClusterTimeout, "the escrow on the surviving silo");
        Assert.Null(stillHeld.RefundReason);

        time.Advance(TimeSpan.FromSeconds(1));
        var refunded = await Eventually.Get(() => escrowGrain.Escrow(), e => e.Status == EscrowKeys.Refunded, ClusterTimeout,
            "the expiry from the surviving silo's reminder");
        Assert.Equal(EscrowKeys.ExpiredReason, refunded.RefundReason);
        var deal = await client.GetGrain<IDealGrain>(key).Get();
        Assert.Equal(DealStatuses.Expired, deal.Status);
        await Eventually.Get(() => reminders.ReadRow(grainId, DealGrain.DeadlineReminder), r => r is null, ClusterTimeout, "the reminder removed");
        var entries = (await client.GetGrain<IDealGrain>(key).Audit(0, 100)).Entries;
        Assert.Single(entries, e => e.Action == "escrow.refunded");
    }

    /// <summary>A signed 99.00 + 10% deal (108.90) in pending_payment, made through the grains; returns its grain key.</summary>
    internal static async Task<string> PendingPaymentDealAsync(IClusterClient client, string partition)
    {
        var actor = new DealActor("key_test", "api_key");
        var customerId = ResourceIds.New(CustomerKeys.IdPrefix);
        await client.GetGrain<ICustomerGrain>(CustomerKeys.Grain(partition, customerId))
            .Create(new CustomerFields { Name = "Jane Smith", Email = "jane@example.com" });
        var productId = ResourceIds.New(ProductKeys.IdPrefix);
        await client.GetGrain<IProductGrain>(ProductKeys.Grain(partition, productId)).Create(new ProductFields { Name = "Plan", Price = 99m });
        var key = DealKeys.Grain(partition, ResourceIds.New(DealKeys.IdPrefix));
        var deal = client.GetGrain<IDealGrain>(key);
        await deal.Create(new DealFields("Escrowed", customerId, null, "USD", 0.1m, DealKeys.OneTime, null, null, null, null), actor);
        await deal.AddItem(new DealItemInput(productId, "Plan", 99m, 1), null, actor);
        await deal.Transition(DealStatuses.InProgress, null, actor);
        await deal.Sign(new DealSignRequest("api_key", "key_test", null, false), actor);
        var signed = await deal.Sign(new DealSignRequest("customer", customerId, customerId, true), actor);
        Assert.Equal(DealStatuses.PendingPayment, signed.Status);
        return key;
    }
}
