namespace Grains.Platform;

/// <summary>
/// A grain's reminder for one business deadline: registered due at the deadline (by the grain's clock), waiting at
/// most <c>maxWait</c> at once (reminders cannot wait beyond ~49 days, and a short cap bounds a failover's delay: an
/// early tick only re-arms), or removed when nothing is due.
/// </summary>
public static class DeadlineReminder
{
    public static async Task ArmAsync(this Grain grain, string name, DateTimeOffset? due, DateTimeOffset now, TimeSpan maxWait, TimeSpan period)
    {
        if (due is null)
        {
            if (await grain.GetReminder(name) is { } reminder)
            {
                await grain.UnregisterReminder(reminder);
            }
            return;
        }
        var wait = due.Value - now;
        wait = wait < TimeSpan.Zero ? TimeSpan.Zero : wait > maxWait ? maxWait : wait;
        await grain.RegisterOrUpdateReminder(name, wait, maxWait < period ? maxWait : period);
    }
}
