using Grains.Interfaces.Platform;
using Grains.Interfaces.Tenants;
using Grains.Tenants;
using Tests.Infrastructure;

namespace Tests.Platform;

public sealed class GrainClusterTests(GrainTestCluster fixture) : IClassFixture<GrainTestCluster>
{
    [Fact]
    public async Task Grains_read_business_time_from_the_injected_fake_clock()
    {
        fixture.Time.Advance(TimeSpan.FromDays(7));
        var expected = fixture.Time.GetUtcNow();

        var tenant = await fixture.Client.GetGrain<ITenantGrain>($"ten_{Guid.NewGuid():N}").EnsureCreated("Acme");
        var probe = await fixture.Client.GetGrain<IClusterProbeGrain>(0).Ping();

        Assert.Equal(expected, tenant.CreatedAt);
        Assert.Equal(expected, probe.At);
    }

    [Fact]
    public async Task Tenant_creation_is_idempotent_and_keeps_the_first_name()
    {
        var grain = fixture.Client.GetGrain<ITenantGrain>($"ten_{Guid.NewGuid():N}");
        Assert.Null(await grain.Get());

        var first = await grain.EnsureCreated("Acme");
        var second = await grain.EnsureCreated("Other name");

        Assert.Equal(first, second);
        Assert.Equal("Acme", (await grain.Get())?.Name);
    }

    [Fact]
    public async Task An_api_key_cannot_be_registered_to_a_second_tenant()
    {
        var key = ApiKeySecrets.Generate("live", "eu");
        var grain = fixture.Client.GetGrain<IApiKeyGrain>(ApiKeySecrets.Hash(key));
        var registered = await grain.Register(new ApiKeyRegistration("ten_a", "k", ApiKeySecrets.PrefixOf(key), ["*"], "live"));

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            grain.Register(new ApiKeyRegistration("ten_b", "k", ApiKeySecrets.PrefixOf(key), ["*"], "live")));
        Assert.Equal("ten_a", (await grain.Get())?.TenantId);
        Assert.StartsWith("key_", registered.KeyId);
        Assert.Equal("sb_live_eu_", registered.Prefix);
    }

    [Fact]
    public async Task State_survives_deactivation()
    {
        var id = $"ten_{Guid.NewGuid():N}";
        await fixture.Client.GetGrain<ITenantGrain>(id).EnsureCreated("Persisted");
        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<ITenantGrain>(id));

        Assert.Equal("Persisted", (await fixture.Client.GetGrain<ITenantGrain>(id).Get())?.Name);
    }
}
