using Grains.Interfaces.Webhooks;
using Grains.Webhooks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Tests.Infrastructure;

/// <summary>
/// The embedded API with business time on a <see cref="FakeTimeProvider"/>: tests move the clock and wake an
/// endpoint (as its reminder would) instead of waiting for minutes or hours of backoff.
/// </summary>
public class WebhookApi(IReadOnlyDictionary<string, string?>? settings = null) : CatalogueApi(settings)
{
    public static readonly DateTimeOffset Epoch = new(2026, 3, 9, 10, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Time { get; } = new(Epoch);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Time));
    }

    /// <summary>What the endpoint's reminder does on a tick: send whatever is due by the (fake) clock.</summary>
    public Task WakeAsync(TestTenant tenant, string webhookId) =>
        Grains.GetGrain<IWebhookEndpointGrain>(WebhookKeys.Grain(tenant.Partition, webhookId))
            .AsReference<IRemindable>().ReceiveReminder(WebhookEndpointGrain.DeliveryReminder, default);
}
