using Grains.Encryption;
using Grains.Platform.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;

namespace Tests.Infrastructure;

/// <summary>
/// An in-process Orleans test cluster with in-memory storage and reminders, where grains read a
/// <see cref="FakeTimeProvider"/>: tests move business time with <see cref="Time"/> instead of waiting.
/// Share one per test class with <c>IClassFixture&lt;GrainTestCluster&gt;</c>.
/// </summary>
public sealed class GrainTestCluster : IAsyncLifetime
{
    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);

    private InProcessTestCluster? cluster;

    public FakeTimeProvider Time { get; } = new(Epoch);

    public IClusterClient Client => cluster?.Client ?? throw new InvalidOperationException("Cluster not started");

    public InProcessTestCluster Cluster => cluster ?? throw new InvalidOperationException("Cluster not started");

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 2);
        builder.ConfigureHost(host =>
        {
            host.Services.AddSingleton<TimeProvider>(Time);
            // One master key for every silo: a key wrapped on one silo must unwrap on the other.
            host.Configuration[ConfigurationKeys.EncryptionMasterKey] = PostgresCluster.TestMasterKey;
        });
        builder.ConfigureSilo((_, silo) => silo
            .AddMemoryGrainStorageAsDefault()
            .AddMemoryGrainStorage(OrleansHosting.PubSubStore)
            .UseInMemoryReminderService()
            .AddPiiEncryption(MasterKeyPolicy.GenerateWhenMissing));
        cluster = builder.Build();
        await cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }
    }
}
