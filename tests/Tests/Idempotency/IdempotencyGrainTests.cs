using Grains.Idempotency;
using Grains.Interfaces.Idempotency;
using Microsoft.Extensions.DependencyInjection;
using Tests.Infrastructure;

namespace Tests.Idempotency;

/// <summary>The key's record in its grain, with business time driven by FakeTimeProvider.</summary>
public sealed class IdempotencyGrainTests(GrainTestCluster cluster) : IClassFixture<GrainTestCluster>
{
    private static readonly IdempotentResponse Created = new(201, "application/json; charset=utf-8", "{\"id\":1}"u8.ToArray(), "W/\"1\"", "/v1/x/1");

    private IIdempotencyGrain Grain() =>
        cluster.Client.GetGrain<IIdempotencyGrain>(IdempotencyPolicy.GrainKey("ten_grain:live", Guid.NewGuid().ToString("N")));

    [Fact]
    public async Task First_request_proceeds_a_second_is_in_flight_and_after_completion_it_is_replayed()
    {
        var grain = Grain();
        var first = await grain.Begin("fp-a");
        Assert.Equal(IdempotencyOutcome.Proceed, first.Outcome);
        Assert.NotEqual(Guid.Empty, first.Lease);
        Assert.Equal(IdempotencyOutcome.InFlight, (await grain.Begin("fp-a")).Outcome);

        Assert.True(await grain.Complete(first.Lease, Created));
        var replay = await grain.Begin("fp-a");

        Assert.Equal(IdempotencyOutcome.Replay, replay.Outcome);
        Assert.Equal(Created.Status, replay.Response!.Status);
        Assert.Equal(Created.Body, replay.Response.Body);
        Assert.Equal(Created.ETag, replay.Response.ETag);
        Assert.Equal(Created.Location, replay.Response.Location);
    }

    [Fact]
    public async Task A_different_fingerprint_is_a_mismatch_in_flight_and_after_completion()
    {
        var grain = Grain();
        var first = await grain.Begin("fp-a");
        Assert.Equal(IdempotencyOutcome.Mismatch, (await grain.Begin("fp-b")).Outcome);

        await grain.Complete(first.Lease, Created);
        Assert.Equal(IdempotencyOutcome.Mismatch, (await grain.Begin("fp-b")).Outcome);
        Assert.Equal(IdempotencyOutcome.Replay, (await grain.Begin("fp-a")).Outcome);
    }

    [Fact]
    public async Task An_expired_lease_lets_a_retry_take_over_and_the_stale_holder_cannot_complete()
    {
        var grain = Grain();
        var first = await grain.Begin("fp-a");

        cluster.Time.Advance(IdempotencyPolicy.Lease - TimeSpan.FromSeconds(1));
        Assert.Equal(IdempotencyOutcome.InFlight, (await grain.Begin("fp-a")).Outcome);

        cluster.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(IdempotencyOutcome.Mismatch, (await grain.Begin("fp-b")).Outcome);
        var retry = await grain.Begin("fp-a");
        Assert.Equal(IdempotencyOutcome.Proceed, retry.Outcome);
        Assert.NotEqual(first.Lease, retry.Lease);

        Assert.False(await grain.Complete(first.Lease, Created with { Body = "{\"stale\":true}"u8.ToArray() }));
        Assert.True(await grain.Complete(retry.Lease, Created));
        Assert.Equal(Created.Body, (await grain.Begin("fp-a")).Response!.Body);
    }

    [Fact]
    public async Task A_renewed_lease_keeps_the_key_in_flight_past_the_lease_and_a_superseded_holder_cannot_renew()
    {
        var grain = Grain();
        var first = await grain.Begin("fp-a");

        // A long request renews as it runs: three leases later the key is still its own.
        for (var i = 0; i < 9; i++)
        {
            cluster.Time.Advance(IdempotencyPolicy.RenewEvery);
            Assert.True(await grain.Renew(first.Lease));
        }
        cluster.Time.Advance(IdempotencyPolicy.Lease - TimeSpan.FromMilliseconds(1));
        Assert.Equal(IdempotencyOutcome.InFlight, (await grain.Begin("fp-a")).Outcome);

        // Renewals stop (its silo died, say): the lease lapses, a retry takes over, the old holder's renewal is refused.
        cluster.Time.Advance(TimeSpan.FromMilliseconds(2));
        var retry = await grain.Begin("fp-a");
        Assert.Equal(IdempotencyOutcome.Proceed, retry.Outcome);
        Assert.False(await grain.Renew(first.Lease));
        Assert.True(await grain.Renew(retry.Lease));
        Assert.True(await grain.Complete(retry.Lease, Created));
        Assert.False(await grain.Renew(retry.Lease));
    }

    [Fact]
    public async Task An_unsettled_request_keeps_the_key_in_flight_for_the_hold_then_a_retry_runs_with_the_same_seed()
    {
        var grain = Grain();
        var first = await grain.Begin("fp-a");
        Assert.NotEmpty(first.Seed);

        await grain.Unsettled(first.Lease);
        var meanwhile = await grain.Begin("fp-a");
        Assert.Equal(IdempotencyOutcome.InFlight, meanwhile.Outcome);
        Assert.InRange(meanwhile.RetryAfterSeconds, 1, (int)IdempotencyPolicy.UnsettledHold.TotalSeconds);

        cluster.Time.Advance(IdempotencyPolicy.UnsettledHold + TimeSpan.FromMilliseconds(1));
        var retry = await grain.Begin("fp-a");

        // The retry runs (its ids derive from the same seed, so it reaches the grain that may have committed the first attempt).
        Assert.Equal(IdempotencyOutcome.Proceed, retry.Outcome);
        Assert.Equal(first.Seed, retry.Seed);
        Assert.NotEqual(first.Lease, retry.Lease);
        Assert.False(await grain.Complete(first.Lease, Created));
    }

    [Fact]
    public async Task A_key_is_kept_24_hours_from_first_use_then_is_new_again()
    {
        var grain = Grain();
        var first = await grain.Begin("fp-a");
        await grain.Complete(first.Lease, Created);

        cluster.Time.Advance(IdempotencyPolicy.Retention - TimeSpan.FromSeconds(1));
        Assert.Equal(IdempotencyOutcome.Replay, (await grain.Begin("fp-a")).Outcome);
        Assert.Equal(IdempotencyOutcome.Mismatch, (await grain.Begin("fp-b")).Outcome);

        cluster.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await grain.Get());
        var again = await grain.Begin("fp-b");
        Assert.Equal(IdempotencyOutcome.Proceed, again.Outcome);
        Assert.Equal(cluster.Time.GetUtcNow() + IdempotencyPolicy.Retention, (await grain.Get())!.ExpiresAt);
    }

    [Fact]
    public async Task Release_forgets_the_key_but_a_stale_lease_cannot_release_it()
    {
        var grain = Grain();
        var first = await grain.Begin("fp-a");
        await grain.Release(first.Lease);
        Assert.Null(await grain.Get());

        var second = await grain.Begin("fp-b");
        Assert.Equal(IdempotencyOutcome.Proceed, second.Outcome);
        await grain.Release(first.Lease);
        await grain.Release(Guid.NewGuid());
        Assert.Equal(IdempotencyOutcome.InFlight, (await grain.Begin("fp-b")).Outcome);

        // A stored response is final: releasing afterwards changes nothing.
        await grain.Complete(second.Lease, Created);
        await grain.Release(second.Lease);
        Assert.Equal(IdempotencyOutcome.Replay, (await grain.Begin("fp-b")).Outcome);
    }

    [Fact]
    public async Task The_expiry_reminder_is_registered_and_clears_the_stored_record_only_once_it_is_due()
    {
        var grain = Grain();
        var first = await grain.Begin("fp-a");
        await grain.Complete(first.Lease, Created);
        var reminders = cluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>();
        Assert.NotNull(await reminders.ReadRow(grain.GetGrainId(), IdempotencyGrain.ExpiryReminder));

        // An early tick (another silo's clock) keeps the record.
        var remindable = grain.AsReference<IRemindable>();
        await remindable.ReceiveReminder(IdempotencyGrain.ExpiryReminder, default);
        Assert.NotNull(await grain.Get());

        cluster.Time.Advance(IdempotencyPolicy.Retention);
        await remindable.ReceiveReminder(IdempotencyGrain.ExpiryReminder, default);

        Assert.Null(await grain.Get());
        Assert.Null(await reminders.ReadRow(grain.GetGrainId(), IdempotencyGrain.ExpiryReminder));
        Assert.Equal(IdempotencyOutcome.Proceed, (await grain.Begin("fp-b")).Outcome);
    }
}
