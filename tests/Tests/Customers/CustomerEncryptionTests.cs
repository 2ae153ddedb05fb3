using System.Security.Cryptography;
using Grains.Encryption;
using Grains.Platform.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Tests.Infrastructure;

namespace Tests.Customers;

/// <summary>The key handling under customer PII: master key configuration, AES-GCM binding, blind indexes.</summary>
public sealed class CustomerEncryptionTests
{
    [Theory]
    [InlineData(null, "is required for a cluster silo")]
    [InlineData("not base64!", "must be base64")]
    [InlineData("c2hvcnQ=", "must decode to 32 bytes")]
    public void A_cluster_silo_does_not_start_without_a_valid_master_key(string? masterKey, string message)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration[ConfigurationKeys.EncryptionMasterKey] = masterKey;

        var error = Assert.Throws<InvalidOperationException>(() => builder.UseOrleans(silo =>
            silo.ConfigureClusterSilo(new OrleansSettings(), "Host=127.0.0.1;Port=1;Username=none;Database=none")));

        Assert.Contains("Encryption:MasterKey", error.Message);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Ciphertext_is_randomised_carries_its_key_version_and_only_opens_where_it_was_sealed()
    {
        var crypto = CryptoFor("ten_a", Master(PostgresCluster.TestMasterKey));

        var one = crypto.Encrypt("jane@example.com", "ten_a:live/cust_1#email");
        var two = crypto.Encrypt("jane@example.com", "ten_a:live/cust_1#email");

        Assert.NotEqual(one, two);
        Assert.StartsWith("v1:", one);
        Assert.Equal("jane@example.com", crypto.Decrypt(one, "ten_a:live/cust_1#email"));
        Assert.ThrowsAny<CryptographicException>(() => crypto.Decrypt(one, "ten_a:live/cust_2#email"));
        Assert.ThrowsAny<CryptographicException>(() => crypto.Decrypt(one, "ten_a:live/cust_1#name"));
        var tampered = one[..^6] + (one[^6] == 'A' ? 'B' : 'A') + one[^5..];
        Assert.ThrowsAny<CryptographicException>(() => crypto.Decrypt(tampered, "ten_a:live/cust_1#email"));
        Assert.ThrowsAny<CryptographicException>(() => crypto.Decrypt("v9:" + one[3..], "ten_a:live/cust_1#email"));
    }

    [Fact]
    public void Blind_indexes_are_stable_per_tenant_and_differ_between_tenants_and_purposes()
    {
        var master = Master(PostgresCluster.TestMasterKey);
        var a = CryptoFor("ten_a", master);
        var b = CryptoFor("ten_b", master);

        Assert.Equal(a.BlindIndex("search", "jane"), a.BlindIndex("search", "jane"));
        Assert.NotEqual(a.BlindIndex("search", "jane"), b.BlindIndex("search", "jane"));
        Assert.NotEqual(a.BlindIndex("search", "jane"), a.BlindIndex("email", "jane"));
    }

    [Fact]
    public void Wrapped_tenant_keys_only_unwrap_under_the_same_master_key_and_tenant()
    {
        var master = Master(PostgresCluster.TestMasterKey);
        var wrapped = WrappedKeys("ten_a", master);

        Assert.ThrowsAny<CryptographicException>(() => TenantCrypto.Unwrap("ten_b", wrapped, master));
        Assert.ThrowsAny<CryptographicException>(() =>
            TenantCrypto.Unwrap("ten_a", wrapped, Master(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)))));
    }

    private static MasterKey Master(string base64) => MasterKey.FromConfiguration(
        new ConfigurationBuilder().AddInMemoryCollection([new(ConfigurationKeys.EncryptionMasterKey, base64)]).Build(),
        MasterKeyPolicy.Required, NullLogger.Instance);

    private static TenantCrypto CryptoFor(string tenant, MasterKey master) => TenantCrypto.Unwrap(tenant, WrappedKeys(tenant, master), master);

    private static TenantWrappedKeys WrappedKeys(string tenant, MasterKey master) => new(1,
        [new WrappedDataKey(1, master.Wrap(RandomNumberGenerator.GetBytes(32), TenantKeyringGrain.DataKeyContext(tenant, 1)), DateTimeOffset.UtcNow)],
        master.Wrap(RandomNumberGenerator.GetBytes(32), TenantKeyringGrain.IndexKeyContext(tenant)));
}
