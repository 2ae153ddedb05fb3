using Grains.Interfaces.Webhooks;
using Grains.Webhooks;

namespace Tests.Webhooks;

/// <summary>The endpoint grain's in-memory backlog (<see cref="DeliveryQueue"/>).</summary>
public sealed class DeliveryQueueTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Due_deliveries_are_taken_in_event_order_up_to_the_free_slots()
    {
        var queue = new DeliveryQueue();
        foreach (var sequence in new[] { 3L, 1L, 2L })
        {
            queue.TryAdd(Pending($"whd_{sequence}", sequence));
        }
        queue.TryAdd(Pending("whd_later", 0, due: Now.AddMinutes(1)));

        Assert.Equal(["whd_1", "whd_2"], queue.TakeDue(Now, ordered: false, slots: 2).Select(d => d.DeliveryId));
        Assert.Equal(2, queue.InFlightCount);
        Assert.Equal(["whd_3"], queue.TakeDue(Now, ordered: false, slots: 5).Select(d => d.DeliveryId));
        Assert.Equal(Now.AddMinutes(1), queue.NextDue);
    }

    [Fact]
    public void A_delivery_whose_outcome_is_being_stored_is_not_queued_again_by_a_load_of_pending_rows()
    {
        var queue = new DeliveryQueue();
        var delivery = Pending("whd_1", 1);
        queue.TryAdd(delivery);
        var attempt = Assert.Single(queue.TakeDue(Now, ordered: false, slots: 1));

        // The receiver answered: the outcome is in memory and the slot is free, the row in the store still says pending.
        queue.BeginSettling(attempt with { Status = WebhookKeys.DeliverySuccess, Attempts = 1 });
        queue.End(attempt.DeliveryId);
        queue.TryAdd(delivery);
        Assert.Equal((0, 0), (queue.Count, queue.InFlightCount));
        Assert.Empty(queue.TakeDue(Now, ordered: false, slots: 8));

        // Once stored, a load sees the settled row and never offers it; had the write failed, the pending row comes back.
        queue.EndSettling(attempt.DeliveryId);
        queue.TryAdd(delivery);
        Assert.Equal(["whd_1"], queue.TakeDue(Now, ordered: false, slots: 8).Select(d => d.DeliveryId));
    }

    [Fact]
    public void A_failed_attempt_waits_for_its_next_attempt_time_before_being_taken_again()
    {
        var queue = new DeliveryQueue();
        queue.TryAdd(Pending("whd_1", 1));
        var attempt = Assert.Single(queue.TakeDue(Now, ordered: true, slots: 1));
        queue.BeginSettling(attempt with { Attempts = 1, NextAttemptAt = Now.AddMinutes(1) });
        queue.End(attempt.DeliveryId);

        Assert.Empty(queue.TakeDue(Now, ordered: true, slots: 1));
        Assert.Equal(Now.AddMinutes(1), queue.NextDue);
        Assert.Single(queue.TakeDue(Now.AddMinutes(1), ordered: true, slots: 1));
    }

    private static WebhookDelivery Pending(string id, long sequence, DateTimeOffset? due = null) =>
        new(id, "t/live", "wh_1", $"evt_{sequence}", sequence, "deal.created", "{}", WebhookKeys.DeliveryPending, 0, 6,
            null, null, false, Now, due ?? Now, null, null, null, Now);
}
