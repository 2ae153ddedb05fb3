using Grains.Interfaces.Events;
using Grains.Interfaces.Webhooks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;
using Tests.Infrastructure;

namespace Tests.Webhooks;

/// <summary>
/// An endpoint's activation tells the directory its settings, but never waits for that answer. When a silo shuts
/// down, a hand-off can be what activates the endpoint elsewhere while the directory is deactivating and takes no new
/// call: an activation that awaited its Upsert held the hand-off until the response timeout (a graceful stop that
/// answered 503 and took 11 s, seen in <c>SiloProcessLossTests</c>, when the directory itself ran the hand-off).
/// </summary>
public sealed class WebhookEndpointActivationTests(WebhookEndpointActivationTests.Api api) : IClassFixture<WebhookEndpointActivationTests.Api>
{
    public sealed class Api() : WebhookApi
    {
        public DirectoryUpsertHold Hold { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton<IIncomingGrainCallFilter>(Hold));
        }
    }

    [Fact]
    public async Task An_endpoint_activates_and_takes_events_while_its_directory_does_not_answer()
    {
        var tenant = await api.NewTenantAsync();
        await using var receiver = await new WebhookReceiver().StartAsync();
        var (webhookId, _) = await tenant.RegisterAsync(receiver.Url, """["customer.*"]""");
        var endpoint = api.Grains.GetGrain<IWebhookEndpointGrain>(WebhookKeys.Grain(tenant.Partition, webhookId));
        await endpoint.Cast<IGrainManagementExtension>().DeactivateOnIdle();

        // The directory answers no Upsert until released, as a deactivating directory would not.
        api.Hold.Start();
        var entry = new EventLogEntry($"evt_{Guid.NewGuid():N}"[..28], 1, "customer.created", EventStatuses.Pending, WebhookApi.Epoch,
            """{"id":"cus_1"}""");
        var enqueue = endpoint.Enqueue([entry]);
        // The new activation asked the directory (its stored settings are newer than what it last told it) ...
        await api.Hold.Arrived.WaitAsync(TimeSpan.FromSeconds(30));
        // ... and took the events without waiting for the answer (awaited, this waited for the release: a deadlock).
        await enqueue.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(api.Hold.Released);

        api.Hold.Release();
        await Eventually.Get(() => Task.FromResult(api.Hold.Completed), done => done, TimeSpan.FromSeconds(30), "the held Upsert to finish");
        var listed = await api.Grains.GetGrain<IWebhookDirectoryGrain>(tenant.Partition).List();
        Assert.Contains(listed, s => s.WebhookId == webhookId);
    }

    /// <summary>Holds the directory's Upsert calls from <see cref="Start"/> until <see cref="Release"/>.</summary>
    public sealed class DirectoryUpsertHold : IIncomingGrainCallFilter
    {
        private readonly TaskCompletionSource arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool holding;
        private volatile bool completed;

        public Task Arrived => arrived.Task;

        public bool Released => released.Task.IsCompleted;

        public bool Completed => completed;

        public void Start() => holding = true;

        public void Release() => released.TrySetResult();

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            if (!holding || context.Grain is not IWebhookDirectoryGrain || context.InterfaceMethod.Name != nameof(IWebhookDirectoryGrain.Upsert))
            {
                await context.Invoke();
                return;
            }
            arrived.TrySetResult();
            await released.Task;
            await context.Invoke();
            completed = true;
        }
    }
}
