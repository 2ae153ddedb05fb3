using Grains.Interfaces.Campaigns;

namespace Grains.Campaigns;

[GenerateSerializer, Alias("campaigns.cap-state")]
public sealed class CampaignCapState
{
    /// <summary>Sends granted per local day (<see cref="DateOnly.DayNumber"/>), the last two weeks.</summary>
    [Id(0)] public Dictionary<int, int> Sent { get; set; } = [];
}

/// <summary>
/// Daily and weekly send counters: a campaign's, shared by its shards, or a sending account's, shared by every campaign
/// sending from it (<see cref="ICampaignCapGrain"/>). A grant is stored before it is returned, so a
/// silo loss never gives a day more than its cap (it may leave a granted send unused: the cap errs on the low side).
/// </summary>
public sealed class CampaignCapGrain([PersistentState("campaign-cap")] IPersistentState<CampaignCapState> state) : Grain, ICampaignCapGrain
{
    private const int DaysKept = 14;

    public async Task<int> Take(DateOnly day, int? perDay, int? perWeek, int wanted)
    {
        var sent = state.State.Sent;
        var monday = day.AddDays(-(((int)day.DayOfWeek + 6) % 7)).DayNumber;
        var week = sent.Where(d => d.Key >= monday && d.Key < monday + 7).Sum(d => d.Value);
        var today = sent.GetValueOrDefault(day.DayNumber);
        var granted = Math.Max(0, Math.Min(wanted, Math.Min((perDay ?? int.MaxValue) - today, (perWeek ?? int.MaxValue) - week)));
        if (granted == 0)
        {
            return 0;
        }
        sent[day.DayNumber] = today + granted;
        foreach (var old in sent.Keys.Where(d => d < day.DayNumber - DaysKept).ToList())
        {
            sent.Remove(old);
        }
        await state.WriteStateAsync();
        return granted;
    }

    public async Task GiveBack(DateOnly day, int count)
    {
        var sent = state.State.Sent.GetValueOrDefault(day.DayNumber);
        if (count <= 0 || sent <= 0)
        {
            return;
        }
        state.State.Sent[day.DayNumber] = Math.Max(0, sent - count);
        await state.WriteStateAsync();
    }
}
