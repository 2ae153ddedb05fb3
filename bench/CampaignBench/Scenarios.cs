using System.Diagnostics;
using Grains.Interfaces.Campaigns;
using Harness;

namespace CampaignBench;

/// <summary>Nearest-rank p50/p99/max of lags in seconds.</summary>
public sealed record Lags(int Count, double? P50, double? P99, double? Max)
{
    public static Lags Of(IEnumerable<double> seconds)
    {
        var sorted = seconds.Order().ToArray();
        return new Lags(sorted.Length, Stats.Percentile(sorted, 0.50), Stats.Percentile(sorted, 0.99), sorted.Length == 0 ? null : sorted[^1]);
    }

    public override string ToString() => $"{Stats.F(P50, "0.00")} s / {Stats.F(P99, "0.00")} s / {Stats.F(Max, "0.00")} s";
}

/// <param name="PickUp">Due time → the shard's run that took the step (the <c>at</c> the shard records for the send).</param>
/// <param name="Published">Due time → the <c>email.send_requested</c> event's time (the dispatch, see the report).</param>
/// <param name="Received">Due time → first arrival at the executor's webhook receiver.</param>
/// <param name="AllPublishedSeconds">The earliest due time → the last publish.</param>
public sealed record ScenarioResult(
    string Name, int Contacts, double EnrolSeconds, DateTimeOffset FirstDue, DateTimeOffset LastDue,
    int Published, int Received, long Deliveries, Lags PickUp, Lags PublishedLag, Lags ReceivedLag,
    double AllPublishedSeconds, double AllReceivedSeconds,
    double WorkingSetEnrolledMb, double HeapEnrolledMb, double PeakWorkingSetMb, long PeakReminderRows,
    CpuUsage? Cpu, long Commits, string LoadBefore, string LoadAfter, IReadOnlyList<string> Timeline);

/// <summary>The two scenarios of issue #17 on one tenant: a burst due in one second, and steps due spread over a period.</summary>
public sealed class Scenarios(BenchDatabase pg, Tenant tenant, Receiver receiver, CpuProbe cpu, TimeSpan timeout, Action<string> log)
{
    private const int Concurrency = 64;

    /// <summary>
    /// <paramref name="contacts"/> enrolled in a draft campaign (first step without delay), then scheduled to start at
    /// the next whole second after <paramref name="leadSeconds"/>: every step is due at <c>scheduled_start</c>.
    /// </summary>
    public async Task<ScenarioResult> BurstAsync(int contacts, int leadSeconds)
    {
        var loadBefore = MachineInfo.LoadAverage();
        var (id, campaign) = await tenant.CreateCampaignAsync("Burst", delayMinutes: 0);
        var members = new ArraySegment<string>(tenant.Contacts, 0, contacts);
        var enrolling = Stopwatch.StartNew();
        await Tenant.EnrolAsync(campaign, members);
        var enrolSeconds = enrolling.Elapsed.TotalSeconds;
        var (workingSet, heap) = Memory();
        var now = DateTimeOffset.UtcNow.AddSeconds(leadSeconds);
        var due = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero).AddSeconds(1);
        await campaign.Schedule(due, null, null);
        log($"burst: {contacts} enrolled in {enrolSeconds:F0} s; all due at {due:HH:mm:ss}");
        return await MeasureAsync("burst", campaign, id, members, enrolSeconds, workingSet, heap, loadBefore, _ => due, due);
    }

    /// <summary>
    /// An active campaign whose one step is due <paramref name="delayMinutes"/> after enrolment; the contacts are enrolled
    /// at an even pace over <paramref name="spreadSeconds"/> (bulk requests of <paramref name="chunk"/>), so their steps fall
    /// due spread over that period while later contacts are still being enrolled.
    /// </summary>
    public async Task<ScenarioResult> SpreadAsync(int contacts, int spreadSeconds, int delayMinutes, int chunk)
    {
        var loadBefore = MachineInfo.LoadAverage();
        var (id, campaign) = await tenant.CreateCampaignAsync("Spread", delayMinutes);
        await campaign.Act("activate", null);
        var members = new ArraySegment<string>(tenant.Contacts, 0, contacts);
        var started = DateTimeOffset.UtcNow;
        var monitor = Monitor(contacts, started.AddMinutes(delayMinutes), id, TimeSpan.FromSeconds(spreadSeconds));
        var enrolling = Stopwatch.StartNew();
        for (var at = 0; at < contacts; at += chunk)
        {
            // The pace of enrolment: chunk n starts at n/chunks of the spread (or at once, when enrolment is behind).
            var wait = started.AddSeconds(spreadSeconds * (double)at / contacts) - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
            await Tenant.EnrolAsync(campaign, members.Slice(at, Math.Min(chunk, contacts - at)));
        }
        var enrolSeconds = enrolling.Elapsed.TotalSeconds;
        var (workingSet, heap) = Memory();
        log($"spread: {contacts} enrolled over {enrolSeconds:F0} s (paced for {spreadSeconds} s)");
        var delay = TimeSpan.FromMinutes(delayMinutes);
        return await MeasureAsync("spread", campaign, id, members, enrolSeconds, workingSet, heap, loadBefore, e => e.EnrolledAt + delay, null, monitor);
    }

    private async Task<ScenarioResult> MeasureAsync(string name, ICampaignGrain campaign, string campaignId, ArraySegment<string> members, double enrolSeconds,
        double workingSetMb, double heapMb, string loadBefore, Func<EnrolmentView, DateTimeOffset> dueOf, DateTimeOffset? firstDue,
        Task<Watch>? running = null)
    {
        var watch = await (running ?? Monitor(members.Count, firstDue!.Value, campaignId, TimeSpan.Zero));
        var deliveries = receiver.Deliveries - watch.DeliveriesBefore;
        // The shards record a send after its dispatch (one state write per batch): wait for the last records (≤ 60 s).
        using (var poll = new PeriodicTimer(TimeSpan.FromSeconds(1)))
        {
            for (var n = 0; n < 60 && await campaign.Metrics() is var m && m.Completed + m.Stopped < members.Count; n++)
            {
                await poll.WaitForNextTickAsync();
            }
        }
        var enrolments = await tenant.EnrolmentsAsync(campaignId, members, Concurrency);
        var published = await tenant.PublishedAsync(pg.ConnectionString);
        List<double> pickUp = [], publishLag = [], receiveLag = [];
        DateTimeOffset lastPublished = DateTimeOffset.MinValue, lastReceived = DateTimeOffset.MinValue;
        var dues = enrolments.Select(dueOf).ToArray();
        var publishedCount = 0;
        for (var i = 0; i < enrolments.Length; i++)
        {
            var e = enrolments[i];
            if (e.Sends.FirstOrDefault() is { } send)
            {
                pickUp.Add((send.At - dues[i]).TotalSeconds);
            }
            var emailId = tenant.EmailId(campaignId, e.ContactId);
            if (published.TryGetValue(emailId, out var at))
            {
                publishedCount++;
                publishLag.Add((at - dues[i]).TotalSeconds);
                lastPublished = at > lastPublished ? at : lastPublished;
            }
            if (receiver.ArrivedAt(emailId) is { } arrived)
            {
                receiveLag.Add((arrived - dues[i]).TotalSeconds);
                lastReceived = arrived > lastReceived ? arrived : lastReceived;
            }
        }
        var first = dues.Min();
        return new ScenarioResult(name, members.Count, Math.Round(enrolSeconds, 1), first, dues.Max(), publishedCount, receiveLag.Count,
            deliveries, Lags.Of(pickUp), Lags.Of(publishLag), Lags.Of(receiveLag),
            Math.Round((lastPublished - first).TotalSeconds, 2), Math.Round((lastReceived - first).TotalSeconds, 2),
            Math.Round(workingSetMb), Math.Round(heapMb), Math.Round(watch.PeakWorkingSetMb), watch.PeakReminderRows,
            watch.Cpu, watch.Commits, loadBefore, MachineInfo.LoadAverage(), watch.Timeline);
    }

    private sealed record Watch(long DeliveriesBefore, double PeakWorkingSetMb, long PeakReminderRows, CpuUsage? Cpu, long Commits, List<string> Timeline);

    /// <summary>
    /// From the first due time until the receiver has every email of this campaign (or the timeout): the process's peak
    /// working set and reminder rows each second, CPU and PostgreSQL commits (the whole server) over the whole window, and a progress line every 5 s. The timeout
    /// counts from the last due time (<paramref name="dueSpan"/> after the first).
    /// </summary>
    private async Task<Watch> Monitor(int expected, DateTimeOffset firstDue, string campaignId, TimeSpan dueSpan)
    {
        var receivedBefore = receiver.Distinct;
        var deliveriesBefore = receiver.Deliveries;
        var wait = firstDue - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
        var start = cpu.Sample();
        var commits = await pg.CountersAsync();
        double peak = 0;
        long reminders = 0;
        List<string> timeline = [];
        var deadline = DateTimeOffset.UtcNow + dueSpan + timeout;
        using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1));
        for (var n = 1; receiver.Distinct - receivedBefore < expected && DateTimeOffset.UtcNow < deadline; n++)
        {
            await tick.WaitForNextTickAsync();
            peak = Math.Max(peak, Environment.WorkingSet / 1048576.0);
            var rows = await Tenant.CountAsync(pg, "SELECT count(*) FROM orleans_reminders");
            reminders = Math.Max(reminders, rows);
            if (n % 5 == 0)
            {
                var line = $"+{(DateTimeOffset.UtcNow - firstDue).TotalSeconds:F0} s: received {receiver.Distinct - receivedBefore}/{expected}, " +
                           $"reminder rows {rows}, working set {Environment.WorkingSet / 1048576.0:F0} MB, load {MachineInfo.LoadAverage()}";
                timeline.Add(line);
                log($"{campaignId}: {line}");
            }
        }
        return new Watch(deliveriesBefore, peak, reminders, CpuUsage.Between(start, cpu.Sample()), (await pg.CountersAsync()).Commits - commits.Commits, timeline);
    }

    private static (double WorkingSetMb, double HeapMb) Memory()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return (Environment.WorkingSet / 1048576.0, GC.GetTotalMemory(forceFullCollection: false) / 1048576.0);
    }
}
