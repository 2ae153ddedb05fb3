using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Harness;

namespace CampaignBench;

/// <summary>The Hangfire peer's figures as its own report gives them (<c>bench/results/campaigns-hangfire-latest.md</c>).</summary>
public sealed record PeerFigures(string Heading, string Load, IReadOnlyDictionary<string, string> Rows)
{
    public static PeerFigures? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        var text = File.ReadAllText(path);
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)))
        {
            var cells = line.Split('|', StringSplitOptions.TrimEntries);
            if (cells.Length >= 4 && cells[1] is not ("figure" or ""))
            {
                rows[cells[1]] = cells[2];
            }
        }
        var load = Regex.Match(Regex.Replace(text, @"\s+", " "), @"load average (.+? before, .+? after)");
        return new PeerFigures(text.Split('\n')[0].TrimStart('#', ' '), load.Success ? load.Groups[1].Value : "n/a", rows);
    }

    public string Row(string prefix) => Rows.FirstOrDefault(r => r.Key.StartsWith(prefix, StringComparison.Ordinal)).Value ?? "n/a";
}

public static class Report
{
    public static string Markdown(BenchArgs options, IReadOnlyList<ScenarioResult> results, PeerFigures? peer, int contacts, double setUpSeconds,
        string loadBefore, string loadAfter, string json)
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(c, $"# Campaign benchmark ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        md.AppendLine();
        md.AppendLine(c, $"One product silo in cluster mode on PostgreSQL ({options.PostgresSource}), co-hosted with the driver and the executor's");
        md.AppendLine("webhook receiver in one process; `event` email channel; a webhook endpoint subscribed to `email.send_requested`");
        md.AppendLine(c, $"(max_in_flight 32) posts every send to the receiver. {MachineInfo.Describe()}, {MachineInfo.CpuModel()}, shared with");
        md.AppendLine(c, $"PostgreSQL; load average {loadBefore} before, {loadAfter} after. `{options.Command("CampaignBench")}`");
        md.AppendLine();
        md.AppendLine("**Dispatch** is the `email.send_requested` event's time: the email grain's clock when it hands the email to the event");
        md.AppendLine("channel (the event is committed to the tenant's event log in the same commit, right after). **Pick-up** is the time the");
        md.AppendLine("campaign shard's run that took the step started (the `at` it records on the send). **Receipt** is the first arrival at");
        md.AppendLine("the receiver (adds the webhook delivery). Lags are from each step's due time; p50 / p99 / max, nearest rank.");
        md.AppendLine();
        md.AppendLine(c, $"Setup: {contacts:N0} contacts created through the contact grains in {setUpSeconds:F0} s (not measured further); " +
                         $"bulk enrolment requests sent again after a 10 s timeout: {Tenant.Retries}.");
        md.AppendLine();
        md.AppendLine("| figure | " + string.Join(" | ", results.Select(r => r.Name)) + (peer is null ? "" : " | Hangfire peer (burst)") + " |");
        md.AppendLine("|---|" + string.Concat(results.Select(_ => "---|")) + (peer is null ? "" : "---|"));
        void Row(string figure, Func<ScenarioResult, string> value, string? peerValue = null) =>
            md.AppendLine(c, $"| {figure} | {string.Join(" | ", results.Select(value))}{(peer is null ? "" : $" | {peerValue ?? ""}")} |");
        Row("steps", r => $"{r.Contacts:N0}", peer?.Row("steps due"));
        Row("due", r => r.Name == "burst" ? $"all at {r.FirstDue:HH:mm:ss}" : $"{r.FirstDue:HH:mm:ss}–{r.LastDue:HH:mm:ss} ({(r.LastDue - r.FirstDue).TotalSeconds:F0} s)",
            "all in one second");
        Row("enrolment (bulk requests of ≤ 1,000)", r => $"{r.EnrolSeconds:F0} s", peer is null ? null : $"scheduling: {peer.Row("scheduling")}");
        Row("published / received at the receiver (deliveries)", r => $"{r.Published:N0} / {r.Received:N0} ({r.Deliveries:N0})", peer?.Row("ran"));
        Row("**lag to dispatch p50 / p99 / max**", r => $"**{r.PublishedLag}**", $"**{peer?.Row("lag from due")}**");
        Row("lag to pick-up p50 / p99 / max", r => r.PickUp.ToString());
        Row("lag to receipt p50 / p99 / max", r => r.ReceivedLag.ToString());
        Row("**first due → last dispatched**", r => $"**{r.AllPublishedSeconds:F1} s**", $"**{peer?.Row("time until all")}**");
        Row("first due → last received", r => $"{r.AllReceivedSeconds:F1} s");
        Row("target", r => r.Name == "burst"
            ? $"all dispatched ≤ 10 s: {Stats.Mark(r.Published == r.Contacts && r.AllPublishedSeconds <= 10)}"
            : $"p99 ≤ 2 s: {Stats.Mark(r.Published == r.Contacts && r.PublishedLag.P99 <= 2)}");
        Row("process working set, all enrolled (after a full GC) / managed heap", r => $"{r.WorkingSetEnrolledMb:N0} MB / {r.HeapEnrolledMb:N0} MB",
            peer?.Row("process working set"));
        Row("peak working set while dispatching", r => $"{r.PeakWorkingSetMb:N0} MB");
        Row("peak reminder rows (`orleans_reminders`)", r => $"{r.PeakReminderRows:N0}");
        Row("CPU while dispatching: this process / PostgreSQL / other (cores)", r => r.Cpu is { } u ? $"{u.Server:F2} / {u.Postgres:F2} / {u.Other:F2}" : "n/a");
        Row("PostgreSQL commits while dispatching, whole server (per step)", r => $"{r.Commits:N0} ({(double)r.Commits / Math.Max(1, r.Contacts):F1})");
        Row("load average before → after", r => $"{r.LoadBefore} → {r.LoadAfter}", peer?.Load);
        md.AppendLine();
        if (peer is not null)
        {
            md.AppendLine(c, $"Hangfire peer: from `bench/results/campaigns-hangfire-latest.md` ({peer.Heading}; `bash bench/bench.sh campaigns-hangfire`),");
            md.AppendLine("run separately on the same machine; its job only records when it ran (no email, no webhook), so its figure is the");
            md.AppendLine("scheduler's own, comparable with our lag to dispatch.");
            md.AppendLine();
        }
        foreach (var r in results.Where(r => r.Timeline.Count > 0))
        {
            var every = (r.Timeline.Count + 23) / 24; // about two dozen lines whatever the length of the run
            md.AppendLine(c, $"Progress, {r.Name} (seconds after the first due time, every {5 * every} s):");
            md.AppendLine();
            md.AppendLine("```");
            foreach (var line in r.Timeline.Where((_, i) => i % every == every - 1 || i == r.Timeline.Count - 1))
            {
                md.AppendLine(line);
            }
            md.AppendLine("```");
            md.AppendLine();
        }
        md.AppendLine(c, $"Every figure: `{json}`.");
        return md.ToString();
    }
}
