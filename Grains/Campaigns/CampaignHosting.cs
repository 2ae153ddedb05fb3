using Microsoft.Extensions.DependencyInjection;

namespace Grains.Campaigns;

/// <summary>Configuration section <c>Campaigns</c>.</summary>
public sealed class CampaignOptions
{
    public const string SectionName = "Campaigns";

    /// <summary>
    /// How often a shard with work in an active campaign is woken by its reminder (what carries due steps across
    /// deactivation and silo loss; the shard's timer sends them on time). At least Orleans' minimum reminder period.
    /// </summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Steps a shard's run has in flight at once (each a contact read and an email request or event). Many at a time
    /// let the storage's group commit write their emails together (a burst measured 0.2 commits per step at 16, 0.1 at
    /// 64); bounded so a burst queues in the shards rather than as thousands of concurrent requests that outlast the
    /// response timeout.
    /// </summary>
    public int MaxStepsInFlight { get; set; } = 64;

    /// <summary>
    /// Email sends per UTC day from one sending account (the tenant's from-address), summed over every campaign of the
    /// tenant; unset: no account cap. A full day carries the rest to the next day's window, like a campaign's cap.
    /// </summary>
    public int? EmailAccountMaxSendsPerDay { get; set; }

    /// <summary>Email sends per ISO week (UTC) from one sending account, over every campaign of the tenant; unset: none.</summary>
    public int? EmailAccountMaxSendsPerWeek { get; set; }

    /// <summary>LinkedIn sends per UTC day from one LinkedIn account (a campaign's <c>linkedin_account_id</c>), over every campaign; unset: none.</summary>
    public int? LinkedinAccountMaxSendsPerDay { get; set; }

    /// <summary>LinkedIn sends per ISO week (UTC) from one LinkedIn account, over every campaign of the tenant; unset: none.</summary>
    public int? LinkedinAccountMaxSendsPerWeek { get; set; }

    /// <summary>The day and week caps of a sending account kind (<c>email</c> or <c>linkedin</c>); null when neither is set.</summary>
    public (int? PerDay, int? PerWeek)? AccountCaps(string kind)
    {
        var (day, week) = kind == "email"
            ? (EmailAccountMaxSendsPerDay, EmailAccountMaxSendsPerWeek)
            : (LinkedinAccountMaxSendsPerDay, LinkedinAccountMaxSendsPerWeek);
        return day is null && week is null ? null : (day, week);
    }
}

public static class CampaignHosting
{
    public static IServiceCollection AddCampaigns(this IServiceCollection services)
    {
        services.AddOptions<CampaignOptions>().BindConfiguration(CampaignOptions.SectionName);
        return services;
    }
}
