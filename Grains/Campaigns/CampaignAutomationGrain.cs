using System.Diagnostics;
using Grains.Interfaces.Campaigns;
using Grains.Interfaces.Platform;

namespace Grains.Campaigns;

[GenerateSerializer, Alias("campaigns.automation-state")]
public sealed class CampaignAutomationState
{
    [Id(0)] public long Cycles { get; set; }
    [Id(1)] public double TotalSeconds { get; set; }
    [Id(2)] public DateTimeOffset? LastCycle { get; set; }
    [Id(3)] public long Dispatched { get; set; }

    /// <summary>Each shard's next due time while it has work armed in an active campaign.</summary>
    [Id(4)] public Dictionary<string, DateTimeOffset> NextDue { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Sums a partition's shard dispatch cycles (<see cref="ICampaignAutomationGrain"/>). Reports are one-way and frequent
/// (one per batch), so the state is written at most every <see cref="WriteEvery"/> and when the grain deactivates: a
/// crashed silo can lose that much of the counts, never a step (the shards hold those).
/// </summary>
public sealed class CampaignAutomationGrain(
    [PersistentState("campaign-automation")] IPersistentState<CampaignAutomationState> state,
    IGrainFactory grains,
    TimeProvider time) : Grain, ICampaignAutomationGrain
{
    private static readonly TimeSpan WriteEvery = TimeSpan.FromSeconds(30);
    private long lastWrite = Stopwatch.GetTimestamp();
    private bool dirty;

    public async Task Report(string shard, CampaignCycle? cycle, DateTimeOffset? nextDue)
    {
        var s = state.State;
        if (cycle is not null)
        {
            s.Cycles++;
            s.TotalSeconds += cycle.Seconds;
            s.Dispatched += cycle.Dispatched;
            s.LastCycle = s.LastCycle is { } last && last > cycle.At ? last : cycle.At;
        }
        if (nextDue is { } next)
        {
            s.NextDue[shard] = next;
        }
        else
        {
            s.NextDue.Remove(shard);
        }
        dirty = true;
        if (Stopwatch.GetElapsedTime(lastWrite) >= WriteEvery)
        {
            await Write();
        }
    }

    public Task<AutomationStatus> Status()
    {
        var s = state.State;
        DateTimeOffset? next = s.NextDue.Count == 0 ? null : s.NextDue.Values.Min();
        return Task.FromResult(new AutomationStatus(next is null ? "idle" : "running", s.LastCycle, next, s.Cycles,
            s.Cycles == 0 ? 0 : s.TotalSeconds / s.Cycles, s.Dispatched, s.NextDue.Count));
    }

    public async Task<AutomationRun> Trigger(string operation, int? limit, bool force)
    {
        var now = time.GetUtcNow();
        switch (operation)
        {
            case AutomationOperations.EnrichLeads:
                return new AutomationRun(operation, "skipped", 0, 0, now, "Nothing enriches leads here: no lead was changed");
            case AutomationOperations.RunCampaigns:
                break;
            default:
                throw DomainException.Invalid("operation", "invalid", $"operation must be one of: {string.Join(", ", AutomationOperations.All)}");
        }
        if (limit is < 1 or > AutomationOperations.MaxLimit)
        {
            throw DomainException.Invalid("parameters.limit", "out_of_range", $"limit must be between 1 and {AutomationOperations.MaxLimit}");
        }
        // A shard's Tick reports back one-way; those reports queue behind this call and are applied after it.
        var shards = state.State.NextDue.Where(s => force || s.Value <= now).OrderBy(s => s.Value).Select(s => s.Key)
            .Take(limit ?? AutomationOperations.MaxLimit).ToList();
        var dispatched = await Task.WhenAll(shards.Select(key => grains.GetGrain<ICampaignShardGrain>(key).Tick()));
        return new AutomationRun(operation, "completed", shards.Count, dispatched.Sum(), now, null);
    }

    /// <summary>
    /// Going idle writes the counts. Not when the silo shuts down (as <c>ResourceGrain</c> does): grain-based storage
    /// (embedded) is gone by then and the write waited out the 30 s deactivation timeout, failing every test fixture's
    /// shutdown; the shards' next reports fill the due times in again, so a stop loses only up to 30 s of counts.
    /// </summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (dirty && reason.ReasonCode != DeactivationReasonCode.ShuttingDown)
        {
            await Write();
        }
    }

    private async Task Write()
    {
        await state.WriteStateAsync();
        lastWrite = Stopwatch.GetTimestamp();
        dirty = false;
    }
}
