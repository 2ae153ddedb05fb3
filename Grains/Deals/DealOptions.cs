namespace Grains.Deals;

/// <summary>Operator settings of deals (section <c>Deals</c>).</summary>
public sealed class DealOptions
{
    public const string SectionName = "Deals";

    /// <summary>
    /// The longest a deal's deadline reminder (escrow expiry, negotiation round expiry) waits before it wakes the deal to
    /// look at the clock. Reminders cannot wait beyond ~49 days at once, so later deadlines are reached in steps of this.
    /// </summary>
    public TimeSpan ReminderMaxWait { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long a deal may stay in <c>pending_payment</c> with a balance due before <c>deal.payment_overdue</c> is
    /// emitted (the document names the event, not the rule): net 30 unless the operator says otherwise.
    /// </summary>
    public TimeSpan PaymentOverdueAfter { get; set; } = TimeSpan.FromDays(30);
}
