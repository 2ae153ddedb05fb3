using Grains.Interfaces.Deals;
using Grains.Interfaces.Payments;
using Grains.Interfaces.Platform;
using Tests.Deals;
using Tests.Infrastructure;

namespace Tests.Payments;

/// <summary>Payments in the cluster topology on PostgreSQL: the deal's payment state and the sealed Stripe key outlive the silo that wrote them.</summary>
public sealed class PaymentPostgresTests
{
    [PostgresFact]
    public async Task A_signed_deal_is_paid_across_a_silo_restart_and_the_payment_is_recorded_once()
    {
        await using var stripe = FakeStripe.Start();
        var database = await TestPostgres.CreateDatabaseAsync("payments");
        await using var cluster = new PostgresCluster(database);
        cluster.Settings["Stripe:ApiBase"] = stripe.BaseUrl;
        var first = await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();
        var partition = $"{ResourceIds.New("ten")}:test";
        var actor = new DealActor("key_test", "api_key");

        await client.GetGrain<IPaymentSettingsGrain>(partition).Save(new PaymentSettingsInput(null, null, "sk_test_" + Guid.NewGuid().ToString("N")));
        var key = await EscrowClusterTests.PendingPaymentDealAsync(client, partition);
        var payments = client.GetGrain<IDealPaymentsGrain>(key);
        var created = await payments.CreatePaymentIntent(new PaymentIntentRequest(null, null), actor);
        Assert.Equal(108.90m, created.Amount);

        // Another silo takes over: the deal's payments and the tenant's sealed key are read back from PostgreSQL.
        await cluster.StartSiloAsync();
        await cluster.StopSiloAsync(first);
        var view = await Eventually.Get(() => payments.Payments(), _ => true, TimeSpan.FromSeconds(90), "the deal on the surviving silo");
        var recorded = Assert.Single(view.Payments.Intents);
        Assert.Equal(created.PaymentIntentId, recorded.Id);

        stripe.Succeed(created.PaymentIntentId);
        var succeeded = new StripeEventInput("evt_pg_0001", "payment_intent.succeeded", created.PaymentIntentId, "succeeded", 10890, 10890, null, "usd", null);
        var outcome = await payments.ApplyStripeEvent(succeeded);
        Assert.NotNull(outcome);
        Assert.Equal(DealStatuses.Closed, outcome.View.DealStatus);
        Assert.Equal(PaymentKeys.StatusSucceeded, outcome.View.PaymentStatus);
        Assert.Null(await payments.ApplyStripeEvent(succeeded));
        // A poll (Stripe called with the key opened on this silo) finds nothing new.
        var polled = await payments.PollIntent(created.PaymentIntentId, actor);
        Assert.Equal("succeeded", polled.Intent!.Status);

        var deal = await client.GetGrain<IDealGrain>(key).Get();
        Assert.Equal(DealStatuses.Closed, deal.Status);
        var audit = (await client.GetGrain<IDealGrain>(key).Audit(0, 100)).Entries.Select(e => e.Action).ToList();
        Assert.Single(audit, a => a == "stripe.payment_intent.succeeded");
        Assert.Single(audit, a => a == "payment.intent_created");
        Assert.Equal("verified", (await client.GetGrain<IDealGrain>(key).VerifyAudit()).Status);
    }
}
