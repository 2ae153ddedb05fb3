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
}

public static class CampaignHosting
{
    public static IServiceCollection AddCampaigns(this IServiceCollection services)
    {
        services.AddOptions<CampaignOptions>().BindConfiguration(CampaignOptions.SectionName);
        return services;
    }
}
