using System.Collections.Concurrent;
using Grains.Interfaces.Emails;
using Grains.Interfaces.Projections;
using Grains.Projections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Grains.Emails;

/// <summary>Silo-internal: the durability of a partition's emails due now (instead of one reminder per email).</summary>
public interface IEmailSchedulerGrain : IGrainWithStringKey
{
    /// <summary>Called by an email due now before it stores itself: the partition's sweep reminder is registered.</summary>
    Task Watch();
}

/// <summary>
/// One per partition (<c>{tenant}:{env}</c>). An email due now is sent by its own grain timer; what carries it across
/// deactivation or silo loss is this grain's one reminder, whose tick sweeps the projection for the partition's emails
/// still unsent (the row filter <see cref="PendingFilter"/>, written in the email's own commit) and nudges each.
/// So an email due now costs no reminder row written and deleted. The reminder is removed by a sweep that finds
/// nothing pending when no email has asked to be watched for a whole period (an email calls <see cref="Watch"/>
/// before its commit, so a sweep that could miss that commit never removes the reminder under it).
/// </summary>
public sealed class EmailSchedulerGrain(
    IProjectionStore projections,
    IGrainFactory grains,
    IOptions<EmailOptions> options,
    TimeProvider time,
    ILogger<EmailSchedulerGrain> logger) : Grain, IEmailSchedulerGrain, IRemindable
{
    public const string SweepReminder = "email-sweep";

    /// <summary>The projection row filter an email carries while it is due now, unsent and watched by this grain.</summary>
    public const string PendingFilter = "send";
    public const string PendingValue = "pending";

    private bool armed;
    private DateTimeOffset lastWatch;

    private string Partition => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A new activation does not know when emails last asked: count from now.
        lastWatch = time.GetUtcNow();
        return Task.CompletedTask;
    }

    public async Task Watch()
    {
        lastWatch = time.GetUtcNow();
        if (!armed)
        {
            var period = options.Value.ReminderPeriod;
            await this.RegisterOrUpdateReminder(SweepReminder, period, period);
            armed = true;
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != SweepReminder)
        {
            return;
        }
        armed = true;
        var found = 0;
        string? cursor = null;
        do
        {
            var page = await projections.QueryAsync(Partition, EmailKeys.ResourceType,
                new ListQuery(Limit: 500, After: cursor, Filters: new Dictionary<string, string> { [PendingFilter] = PendingValue }), null);
            foreach (var row in page.Items)
            {
                found++;
                // Not awaited: a nudged email may wait for an SMTP connection, and Watch calls must not wait behind it.
                _ = Nudge(row.Id);
            }
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        if (found > 0)
        {
            logger.LogInformation("Email sweep of {Partition} nudged {Count} unsent emails", Partition, found);
            return;
        }
        if (time.GetUtcNow() - lastWatch > options.Value.ReminderPeriod)
        {
            if (await this.GetReminder(SweepReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
            armed = false;
        }
    }

    private async Task Nudge(string emailId)
    {
        try
        {
            await grains.GetGrain<IEmailGrain>(EmailKeys.Grain(Partition, emailId)).Nudge();
        }
        catch (Exception ex)
        {
            // The next sweep tries again.
            logger.LogInformation(ex, "Nudging {Email} of {Partition} failed", emailId, Partition);
        }
    }
}

/// <summary>
/// Per silo: when each partition's <see cref="IEmailSchedulerGrain.Watch"/> was last called from here, so that emails due
/// now ask it once per quarter reminder period instead of once each. Safe because the sweep removes its reminder only
/// after a whole period without a Watch and with nothing pending: an email that skips the call commits within a quarter
/// period of a Watch the scheduler counted (the call's start is remembered; the scheduler's time is no earlier), so
/// any sweep that could remove the reminder after it runs later than its commit and finds it pending.
/// </summary>
public sealed class SchedulerWatches(IGrainFactory grains, TimeProvider time, IOptions<EmailOptions> options)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> called = new(StringComparer.Ordinal);

    public async Task Watch(string partition)
    {
        var now = time.GetUtcNow();
        if (called.TryGetValue(partition, out var at) && now >= at && now - at < options.Value.ReminderPeriod / 4)
        {
            return;
        }
        await grains.GetGrain<IEmailSchedulerGrain>(partition).Watch();
        called[partition] = now;
    }
}
