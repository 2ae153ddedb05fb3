using Grains.Platform.Postgres;
using Grains.Webhooks.Delivery;
using Grains.Webhooks.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Grains.Webhooks;

public static class WebhookHosting
{
    /// <summary>
    /// Registers delivery: the store (memory when <paramref name="postgresConnectionString"/> is null, else
    /// PostgreSQL), the batching writer, the target guard and the sender's HTTP client. Settings bind from the
    /// <c>Webhooks</c> section; <paramref name="allowPrivateTargetsByDefault"/> is the embedded topology's default.
    /// </summary>
    public static IServiceCollection AddWebhookDelivery(this IServiceCollection services, string? postgresConnectionString,
        bool allowPrivateTargetsByDefault)
    {
        // The default first, then configuration on top of it (a configured false wins in embedded mode too).
        services.Configure<WebhookOptions>(o => o.AllowPrivateTargets = allowPrivateTargetsByDefault);
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.SectionName);
        services.AddStore<IWebhookDeliveryStore, InMemoryWebhookDeliveryStore>(postgresConnectionString, source => new PostgresWebhookDeliveryStore(source));
        services.TryAddSingleton<WebhookDeliveryWriter>();
        services.TryAddSingleton(sp => new WebhookTargetGuard(sp.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowPrivateTargets));
        // One long-lived client: pooled connections to receivers, DNS re-resolved as pooled connections age out.
        services.TryAddSingleton(sp => new WebhookSender(new HttpClient(sp.GetRequiredService<WebhookTargetGuard>().CreateHandler())
        {
            Timeout = Timeout.InfiniteTimeSpan,
        }));
        return services;
    }
}
