using System.Collections.Concurrent;
using Grains.Events;
using Grains.Interfaces.Campaigns;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Grains.Campaigns;

[GenerateSerializer, Alias("campaigns.shard-state")]
public sealed class CampaignShardState
{
    /// <summary>The shard's enrolments by contact id; the due-queue is the in-progress ones ordered by <c>NextDueAt</c>.</summary>
    [Id(0)] public Dictionary<string, EnrolmentView> Enrolments { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Counters per step index.</summary>
    [Id(1)] public Dictionary<int, StepMetrics> Steps { get; set; } = [];
}

/// <summary>
/// One of a campaign's bounded shards, keyed <c>{partition}/{cmp_id}/{n}</c>: it holds the enrolments whose contact id
/// hashes to it and runs their due steps. One reminder (while it has work in an active campaign) survives deactivation
/// and silo loss; one timer fires at the earliest due time. Steps are dispatched before the state records them, with
/// ids derived from (campaign, contact, step), so a dispatch repeated after a crash finds its email or event already
/// there and nothing goes out twice (<c>docs/campaigns.md</c>).
/// </summary>
public sealed partial class CampaignShardGrain(
    [PersistentState("campaign-shard")] IPersistentState<CampaignShardState> state,
    IGrainFactory grains,
    TimeProvider time,
    IOptions<CampaignOptions> options,
    ILogger<CampaignShardGrain> logger) : Grain, ICampaignShardGrain, IRemindable
{
    public const string ShardReminder = "campaign-shard";
    private static readonly TimeSpan LongestTimer = TimeSpan.FromHours(1);
    private static readonly ConcurrentDictionary<string, TimeZoneInfo> Zones = new(StringComparer.Ordinal);

    private CampaignPlan? plan;
    private IGrainTimer? timer;
    private bool reminderArmed;
    private CampaignCycle? cycle;
    private (bool Sent, DateTimeOffset? Next) reported;

    private string Key => this.GetPrimaryKeyString();

    private string Partition => Key[..Key.IndexOf('/')];

    private string CampaignId => Key.Split('/')[1];

    public async Task<IReadOnlyList<string>> Enrol(IReadOnlyList<EnrolmentRequest> contacts, CampaignPlan plan)
    {
        this.plan = plan;
        var now = time.GetUtcNow();
        List<string> added = [];
        List<OutboxEvent> events = [];
        foreach (var request in contacts)
        {
            if (state.State.Enrolments.ContainsKey(request.ContactId))
            {
                continue;
            }
            var enrolment = new EnrolmentView
            {
                ContactId = request.ContactId, CampaignId = CampaignId, Status = EnrolmentStatuses.InProgress, TimeZone = request.TimeZone,
                EnrolledAt = now, RepliesBefore = request.RepliesBefore,
            };
            state.State.Enrolments[request.ContactId] = enrolment with { NextDueAt = DueAfter(enrolment, now, plan) };
            added.Add(request.ContactId);
            events.Add(Event(plan.Kind == "sequence" ? "sequence.started" : "campaign.contact_enrolled", request.ContactId, "enrolled", now,
                new { campaign_id = CampaignId, sequence_id = CampaignId, contact_id = request.ContactId, status = EnrolmentStatuses.InProgress, current_step = 1, started_at = now }));
        }
        if (added.Count > 0)
        {
            await Publish(events);
            await state.WriteStateAsync();
            await Arm();
        }
        return added;
    }

    public Task<EnrolmentView?> Find(string contactId) => Task.FromResult(state.State.Enrolments.GetValueOrDefault(contactId));

    public async Task<EnrolmentView?> Stop(string contactId, string reason)
    {
        if (state.State.Enrolments.GetValueOrDefault(contactId) is not { } e)
        {
            return null;
        }
        var now = time.GetUtcNow();
        var next = e;
        if (reason == "replied" && !e.Replied)
        {
            next = next with { Replied = true, RepliedAt = now };
            if (e.Sends.LastOrDefault() is { } last)
            {
                Count(last.Step, m => m with { Replied = m.Replied + 1 });
            }
        }
        if (e.Status == EnrolmentStatuses.InProgress)
        {
            next = next with { Status = EnrolmentStatuses.Stopped, StopReason = reason, StoppedAt = now, NextDueAt = null };
            await Publish([Event("campaign.contact_stopped", contactId, "stopped", now, new { campaign_id = CampaignId, contact_id = contactId, reason, stopped_at = now })]);
        }
        if (next == e)
        {
            return e;
        }
        state.State.Enrolments[contactId] = next;
        await state.WriteStateAsync();
        return next;
    }

    public async Task<EnrolmentView?> Report(string contactId, int step, string status)
    {
        if (state.State.Enrolments.GetValueOrDefault(contactId) is not { } e)
        {
            return null;
        }
        var index = e.Sends.ToList().FindIndex(s => s.Step == step);
        if (index < 0 || !e.Sends[index].Type.StartsWith("linkedin_", StringComparison.Ordinal) || e.Sends[index].Outcome == "skipped")
        {
            throw DomainException.Conflict("conflict.step_not_awaiting_report", $"Step {step + 1} of this contact is not a LinkedIn step handed to the executor");
        }
        var send = e.Sends[index];
        var next = e;
        switch (status)
        {
            case "sent" or "failed" when send.Outcome == "requested":
                next = e with { Sends = [.. e.Sends.Select((s, i) => i == index ? s with { Outcome = status } : s)] };
                Count(step, m => status == "sent" ? m with { Sent = m.Sent + 1 } : m with { Failed = m.Failed + 1 });
                break;
            case "connected" when !e.Connected:
                next = e with { Connected = true };
                Count(step, m => m with { Connected = m.Connected + 1 });
                break;
            case "replied":
                return await Stop(contactId, "replied");
        }
        if (next != e)
        {
            state.State.Enrolments[contactId] = next;
            await state.WriteStateAsync();
        }
        return next;
    }

    public Task<IReadOnlyList<EnrolmentView>> Earliest(int limit) => Task.FromResult<IReadOnlyList<EnrolmentView>>(
        [.. state.State.Enrolments.Values.OrderBy(e => e.EnrolledAt).ThenBy(e => e.ContactId, StringComparer.Ordinal).Take(limit)]);

    public Task<ShardMetrics> Metrics()
    {
        var all = state.State.Enrolments.Values;
        return Task.FromResult(new ShardMetrics(all.Count,
            all.Count(e => e.Status == EnrolmentStatuses.InProgress),
            all.Count(e => e.Status == EnrolmentStatuses.Completed),
            all.Count(e => e.Status == EnrolmentStatuses.Stopped),
            all.Count(e => e.Sends.Any(s => s.Outcome == "sent")),
            all.Count(e => e.Connected),
            all.Count(e => e.Replied),
            new Dictionary<int, StepMetrics>(state.State.Steps)));
    }

    public async Task Wake(CampaignPlan plan)
    {
        this.plan = plan;
        await Arm();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        SalesboothMetrics.ReminderTick(reminderName);
        return Tick();
    }

    private void Count(int step, Func<StepMetrics, StepMetrics> change) =>
        state.State.Steps[step] = change(state.State.Steps.GetValueOrDefault(step) ?? new StepMetrics());

    /// <summary>
    /// The timer at the earliest due time (at most an hour ahead: it re-arms), the reminder while there is work; both
    /// off when the campaign is not active or nothing is in progress.
    /// </summary>
    private async Task Arm(bool again = false)
    {
        var active = plan?.Status == "active";
        var next = active
            ? state.State.Enrolments.Values.Where(e => e.Status == EnrolmentStatuses.InProgress).Select(e => (DateTimeOffset?)(e.NextDueAt ?? DateTimeOffset.MinValue)).Min()
            : null;
        timer?.Dispose();
        timer = null;
        if (next is not { } due)
        {
            await Disarm();
            return;
        }
        var now = time.GetUtcNow();
        Report(due < now ? now : due);
        var wait = again ? TimeSpan.Zero : due - now;
        wait = wait < TimeSpan.Zero ? TimeSpan.Zero : wait > LongestTimer ? LongestTimer : wait;
        timer = this.RegisterGrainTimer(_ => Tick(), wait, Timeout.InfiniteTimeSpan);
        if (!reminderArmed)
        {
            try
            {
                await this.RegisterOrUpdateReminder(ShardReminder, options.Value.ReminderPeriod, options.Value.ReminderPeriod);
                reminderArmed = true;
            }
            catch (Exception ex)
            {
                // The timer runs the work while this activation lives; the next Arm tries again.
                logger.LogWarning(ex, "Arming the reminder of campaign shard {Shard} failed", Key);
            }
        }
    }

    private async Task Disarm()
    {
        Report(null);
        timer?.Dispose();
        timer = null;
        try
        {
            if (await this.GetReminder(ShardReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
            reminderArmed = false;
        }
        catch (Exception ex)
        {
            // Harmless: the next tick finds nothing to do and tries again.
            logger.LogInformation(ex, "Removing the reminder of campaign shard {Shard} failed", Key);
        }
    }

    /// <summary>Tells the partition's automation tracker about a finished cycle and the next due time (one-way, only on a change).</summary>
    private void Report(DateTimeOffset? next)
    {
        if (cycle is null && reported == (true, next))
        {
            return;
        }
        _ = grains.GetGrain<ICampaignAutomationGrain>(Partition).Report(Key, cycle, next);
        (cycle, reported) = (null, (true, next));
    }

    /// <summary>An event with an id derived from (campaign, contact, what): appended again after a crash, the log keeps one.</summary>
    private OutboxEvent Event(string type, string contactId, string what, DateTimeOffset at, object data) =>
        Outbox.Event(type, at, data) with { Id = ResourceIds.Derived("evt", $"{Partition}/{CampaignId}|{contactId}|{what}") };

    private async Task Publish(IReadOnlyList<OutboxEvent> events)
    {
        if (events.Count > 0)
        {
            await grains.GetGrain<IEventLogGrain>(Partition).Append(events);
        }
    }

    private static TimeZoneInfo Zone(string id) => Zones.GetOrAdd(id, z =>
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(z);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return TimeZoneInfo.Utc;
        }
    });
}
