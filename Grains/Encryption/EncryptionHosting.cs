using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Grains.Platform.Hosting;

namespace Grains.Encryption;

public static class EncryptionHosting
{
    /// <summary>
    /// Registers the master key and the tenant key cache in a silo. With <see cref="MasterKeyPolicy.Required"/> a
    /// missing or malformed <c>Encryption:MasterKey</c> stops the silo right here, before it joins the cluster.
    /// </summary>
    public static ISiloBuilder AddPiiEncryption(this ISiloBuilder silo, MasterKeyPolicy policy)
    {
        if (policy == MasterKeyPolicy.Required)
        {
            MasterKey.Validate(silo.Configuration[ConfigurationKeys.EncryptionMasterKey], policy);
        }
        silo.Services.TryAddSingleton(sp => MasterKey.FromConfiguration(sp.GetRequiredService<IConfiguration>(), policy,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<MasterKey>()));
        silo.Services.TryAddSingleton<TenantKeyCache>();
        return silo;
    }
}
