using Microsoft.Extensions.DependencyInjection.Extensions;
using Grains.Interfaces.Tenants;
using Grains.Platform.Hosting;

namespace ApiHost.Platform;

/// <summary>
/// Makes sure a first tenant and an admin key exist so a fresh install can be used at once.
/// <c>Bootstrap:AdminKey</c> names the key; without it, embedded mode generates one and prints it once.
/// </summary>
public sealed class BootstrapAdminKey(
    IGrainFactory grains,
    BootstrapSettings settings,
    BootstrapKeyOutput output,
    ILogger<BootstrapAdminKey> logger) : IHostedService
{
    public const string DefaultTenantId = "ten_default";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var key = settings.AdminKey;
        var generated = false;
        if (string.IsNullOrEmpty(key))
        {
            if (settings.Mode != HostingMode.Embedded)
            {
                return;
            }
            key = ApiKeySecrets.Generate("live", "us");
            generated = true;
        }

        var tenant = grains.GetGrain<ITenantGrain>(DefaultTenantId);
        await tenant.EnsureCreated("Default tenant").WaitAsync(cancellationToken);
        var record = await tenant
            .CreateApiKey(ApiKeySecrets.Hash(key), new ApiKeyRegistration(DefaultTenantId, "Bootstrap admin key", ApiKeySecrets.PrefixOf(key), ["*"], "live"))
            .WaitAsync(cancellationToken);

        if (generated)
        {
            // Shown once: only its hash is kept, so this line is the operator's only chance to copy it.
            await output.Writer.WriteLineAsync($"Bootstrap admin key (shown once, scope *): {key}");
        }
        logger.LogInformation("Bootstrap admin key {KeyId} ready for tenant {TenantId}", record.KeyId, DefaultTenantId);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public sealed record BootstrapSettings(string? AdminKey, HostingMode Mode);

/// <summary>Where a generated key is printed: the console, or a test's writer.</summary>
public sealed record BootstrapKeyOutput(TextWriter Writer);

public static class BootstrapServiceCollectionExtensions
{
    public static IServiceCollection AddBootstrapAdminKey(this IServiceCollection services, IConfiguration configuration, HostingMode mode)
    {
        var adminKey = configuration[ConfigurationKeys.BootstrapAdminKey];
        if (!string.IsNullOrEmpty(adminKey) && (!ApiKeySecrets.IsWellFormed(adminKey) || ApiKeySecrets.KindOf(adminKey) != "live"))
        {
            throw new InvalidOperationException("Bootstrap:AdminKey must look like sb_live_{au|eu|us}_{16+ letters or digits}.");
        }
        services.AddSingleton(new BootstrapSettings(adminKey, mode));
        services.TryAddSingleton(new BootstrapKeyOutput(Console.Out));
        // Registered after UseOrleans/UseOrleansClient, so it starts once the silo or client is up.
        services.AddHostedService<BootstrapAdminKey>();
        return services;
    }
}
