using Grains.Interfaces.RateLimiting;

namespace Grains.Platform.Hosting;

/// <summary>
/// Every configuration key the programs read, in <c>Section:Key</c> form (environment variables use
/// <c>Section__Key</c>). The README's configuration table and docker-compose.yml are checked against this list.
/// </summary>
public static class ConfigurationKeys
{
    public const string PostgresConnectionString = "ConnectionStrings:Postgres";
    public const string Urls = "urls";
    public const string BootstrapAdminKey = "Bootstrap:AdminKey";
    public const string EncryptionMasterKey = "Encryption:MasterKey";

    public static readonly IReadOnlyList<string> All =
    [
        PostgresConnectionString,
        Urls,
        BootstrapAdminKey,
        EncryptionMasterKey,
        $"{OrleansSettings.SectionName}:{nameof(OrleansSettings.Mode)}",
        $"{OrleansSettings.SectionName}:{nameof(OrleansSettings.ClusterId)}",
        $"{OrleansSettings.SectionName}:{nameof(OrleansSettings.ServiceId)}",
        $"{OrleansSettings.SectionName}:{nameof(OrleansSettings.SiloPort)}",
        $"{OrleansSettings.SectionName}:{nameof(OrleansSettings.GatewayPort)}",
        $"{OrleansSettings.SectionName}:{nameof(OrleansSettings.AdvertisedHost)}",
        $"{OrleansSettings.SectionName}:{nameof(OrleansSettings.ListenOnAnyHostAddress)}",
        $"{OrleansSettings.SectionName}:{nameof(OrleansSettings.GrainStorage)}",
        .. RateLimitKeys,
        .. WebhookKeys,
        .. DealKeys,
        .. CampaignKeys,
        .. EmailKeys,
        .. TelemetryKeys,
    ];

    /// <summary>Telemetry and the management surface (Grains/Platform/Telemetry); OTLP export uses the standard OTEL_* variables.</summary>
    private static IEnumerable<string> TelemetryKeys =>
    [
        Telemetry.ManagementSurface.UrlsKey,
        $"{Telemetry.TelemetrySettings.SectionName}:{nameof(Telemetry.TelemetrySettings.Enabled)}",
        $"{Telemetry.TelemetrySettings.SectionName}:{nameof(Telemetry.TelemetrySettings.Traces)}",
        Telemetry.TelemetrySettings.OtlpEndpoint,
    ];

    private static IEnumerable<string> DealKeys =>
        typeof(Deals.DealOptions).GetProperties()
            .Where(p => p.CanWrite)
            .Select(p => $"{Deals.DealOptions.SectionName}:{p.Name}");

    private static IEnumerable<string> CampaignKeys =>
        typeof(Campaigns.CampaignOptions).GetProperties()
            .Where(p => p.CanWrite)
            .Select(p => $"{Campaigns.CampaignOptions.SectionName}:{p.Name}");

    private static IEnumerable<string> EmailKeys =>
    [
        .. typeof(Emails.EmailOptions).GetProperties().Where(p => p.CanWrite).Select(p => $"{Emails.EmailOptions.SectionName}:{p.Name}"),
        $"{Emails.EmailOptions.SectionName}:WebhookSecret",
    ];

    private static IEnumerable<string> WebhookKeys =>
        typeof(Webhooks.WebhookOptions).GetProperties()
            .Where(p => p.CanWrite)
            .Select(p => $"{Webhooks.WebhookOptions.SectionName}:{p.Name}");

    private static IEnumerable<string> RateLimitKeys =>
        typeof(RateLimitSettings).GetProperties()
            .Where(p => p.CanWrite)
            .Select(p => $"{RateLimitSettings.SectionName}:{p.Name}");

    /// <summary>The environment variable that sets a key (<c>ASPNETCORE_URLS</c> for urls).</summary>
    public static string EnvironmentVariableFor(string key) =>
        key == Urls ? "ASPNETCORE_URLS" : key.Replace(":", "__", StringComparison.Ordinal);
}
