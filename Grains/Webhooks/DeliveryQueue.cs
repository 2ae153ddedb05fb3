using Grains.Interfaces.Webhooks;

namespace Grains.Webhooks;

/// <summary>
/// An endpoint's pending deliveries in memory: indexed by event order (what to send next) and by due time (when to
/// wake), so picking the next attempts and the next wake-up costs O(log n) per delivery instead of a scan and sort
/// of the whole backlog after every attempt. Single-threaded (the grain's scheduler).
/// </summary>
public sealed class DeliveryQueue
{
    private readonly Dictionary<string, WebhookDelivery> pending = new(StringComparer.Ordinal);
    private readonly HashSet<string> inFlight = new(StringComparer.Ordinal);
    private readonly HashSet<string> settling = new(StringComparer.Ordinal);
    private readonly SortedSet<(long Sequence, DateTimeOffset CreatedAt, string Id)> byOrder = new(OrderComparer.Instance);
    private readonly SortedSet<(DateTimeOffset Due, string Id)> byDue = new(DueComparer.Instance);

    public int Count => pending.Count;

    public int InFlightCount => inFlight.Count;

    public bool Contains(string deliveryId) => pending.ContainsKey(deliveryId);

    public bool IsInFlight(string deliveryId) => inFlight.Contains(deliveryId);

    public WebhookDelivery? Get(string deliveryId) => pending.GetValueOrDefault(deliveryId);

    /// <summary>Adds a pending delivery unless it is already queued or its last attempt's outcome is being stored.</summary>
    public void TryAdd(WebhookDelivery delivery)
    {
        if (!pending.ContainsKey(delivery.DeliveryId) && !settling.Contains(delivery.DeliveryId))
        {
            Set(delivery);
        }
    }

    /// <summary>Takes in a settled or changed row: pending rows are (re)queued, settled ones leave.</summary>
    public void Set(WebhookDelivery delivery)
    {
        Unindex(delivery.DeliveryId);
        if (delivery.Status != WebhookKeys.DeliveryPending)
        {
            pending.Remove(delivery.DeliveryId);
            return;
        }
        pending[delivery.DeliveryId] = delivery;
        if (!inFlight.Contains(delivery.DeliveryId))
        {
            Index(delivery);
        }
    }

    /// <summary>
    /// Takes in an attempt's outcome before it is stored (<see cref="Set"/>); until <see cref="EndSettling"/> a stored
    /// copy of the row, still pending, is not queued again by <see cref="TryAdd"/>.
    /// </summary>
    public void BeginSettling(WebhookDelivery delivery)
    {
        settling.Add(delivery.DeliveryId);
        Set(delivery);
    }

    public void EndSettling(string deliveryId) => settling.Remove(deliveryId);

    /// <summary>Drops a delivery that is waiting (not being attempted or settled).</summary>
    public void RemoveWaiting(string deliveryId)
    {
        if (!inFlight.Contains(deliveryId) && !settling.Contains(deliveryId))
        {
            Unindex(deliveryId);
            pending.Remove(deliveryId);
        }
    }

    /// <summary>Marks a delivery as being attempted (it leaves the waiting indexes).</summary>
    public void Begin(string deliveryId)
    {
        Unindex(deliveryId);
        inFlight.Add(deliveryId);
    }

    /// <summary>The attempt is over; a delivery still pending waits again.</summary>
    public void End(string deliveryId)
    {
        inFlight.Remove(deliveryId);
        if (pending.TryGetValue(deliveryId, out var delivery))
        {
            Index(delivery);
        }
    }

    /// <summary>
    /// The deliveries to attempt now, already marked in flight: in event order, due by <paramref name="now"/>, up to
    /// <paramref name="slots"/>; when <paramref name="ordered"/>, only the first waiting one and only with nothing in flight.
    /// </summary>
    public IReadOnlyList<WebhookDelivery> TakeDue(DateTimeOffset now, bool ordered, int slots)
    {
        var due = new List<WebhookDelivery>();
        if (ordered)
        {
            if (inFlight.Count == 0 && byOrder.Count > 0 && pending[byOrder.Min.Id] is { } head && head.NextAttemptAt <= now)
            {
                due.Add(head);
            }
        }
        else if (slots > 0 && byDue.Count > 0 && byDue.Min.Due <= now)
        {
            foreach (var key in byOrder)
            {
                var delivery = pending[key.Id];
                if (delivery.NextAttemptAt <= now)
                {
                    due.Add(delivery);
                    if (due.Count == slots)
                    {
                        break;
                    }
                }
            }
        }
        foreach (var delivery in due)
        {
            Begin(delivery.DeliveryId);
        }
        return due;
    }

    /// <summary>When the earliest waiting delivery is due (null: nothing waits).</summary>
    public DateTimeOffset? NextDue => byDue.Count > 0 ? byDue.Min.Due : null;

    public void Clear()
    {
        pending.Clear();
        byOrder.Clear();
        byDue.Clear();
    }

    private void Index(WebhookDelivery delivery)
    {
        byOrder.Add((delivery.EventSequence, delivery.CreatedAt, delivery.DeliveryId));
        byDue.Add((delivery.NextAttemptAt ?? DateTimeOffset.MinValue, delivery.DeliveryId));
    }

    private void Unindex(string deliveryId)
    {
        if (pending.TryGetValue(deliveryId, out var old))
        {
            byOrder.Remove((old.EventSequence, old.CreatedAt, old.DeliveryId));
            byDue.Remove((old.NextAttemptAt ?? DateTimeOffset.MinValue, old.DeliveryId));
        }
    }

    private sealed class OrderComparer : IComparer<(long Sequence, DateTimeOffset CreatedAt, string Id)>
    {
        public static readonly OrderComparer Instance = new();

        public int Compare((long Sequence, DateTimeOffset CreatedAt, string Id) x, (long Sequence, DateTimeOffset CreatedAt, string Id) y)
        {
            var c = x.Sequence.CompareTo(y.Sequence);
            if (c == 0)
            {
                c = x.CreatedAt.CompareTo(y.CreatedAt);
            }
            return c != 0 ? c : string.CompareOrdinal(x.Id, y.Id);
        }
    }

    private sealed class DueComparer : IComparer<(DateTimeOffset Due, string Id)>
    {
        public static readonly DueComparer Instance = new();

        public int Compare((DateTimeOffset Due, string Id) x, (DateTimeOffset Due, string Id) y)
        {
            var c = x.Due.CompareTo(y.Due);
            return c != 0 ? c : string.CompareOrdinal(x.Id, y.Id);
        }
    }
}
