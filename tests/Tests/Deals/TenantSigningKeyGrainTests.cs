using System.Security.Cryptography;
using System.Text;
using Grains.Deals.Signing;
using Grains.Encryption;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Platform;
using Grains.Platform;
using Microsoft.Extensions.DependencyInjection;
using NSec.Cryptography;
using Orleans.Providers;
using Orleans.Serialization;
using Orleans.Storage;
using Tests.Infrastructure;

namespace Tests.Deals;

/// <summary>The tenant's Ed25519 key on the in-process cluster: signatures verify, and storage holds no usable private key.</summary>
public sealed class TenantSigningKeyGrainTests(GrainTestCluster cluster) : IClassFixture<GrainTestCluster>
{
    private static readonly byte[] Deal = Encoding.UTF8.GetBytes("""{"deal_id":"deal_0123456789abcdef01234567","total":"1250.00"}""");

    [Fact]
    public async Task Signatures_verify_under_the_published_key_and_fail_for_other_data()
    {
        var grain = cluster.Client.GetGrain<ITenantSigningKeyGrain>(ResourceIds.New("ten"));

        var publicKey = await grain.PublicKey();
        var proof = await grain.Sign(Deal);

        Assert.Equal("ed25519", publicKey.Algorithm);
        Assert.Equal("ed25519", proof.Algorithm);
        Assert.Equal(publicKey.KeyId, proof.KeyId);
        Assert.Equal(GrainTestCluster.Epoch, publicKey.CreatedAt);
        Assert.Equal(publicKey, await grain.PublicKey());
        Assert.True(Ed25519Verifier.Verify(publicKey.PublicKeyBase64, Deal, proof.SignatureBase64));

        var tampered = (byte[])Deal.Clone();
        tampered[^3] ^= 1;
        Assert.False(Ed25519Verifier.Verify(publicKey.PublicKeyBase64, tampered, proof.SignatureBase64));
        var badSignature = Convert.FromBase64String(proof.SignatureBase64);
        badSignature[0] ^= 1;
        Assert.False(Ed25519Verifier.Verify(publicKey.PublicKeyBase64, Deal, Convert.ToBase64String(badSignature)));
        var otherTenant = await cluster.Client.GetGrain<ITenantSigningKeyGrain>(ResourceIds.New("ten")).PublicKey();
        Assert.NotEqual(publicKey.PublicKeyBase64, otherTenant.PublicKeyBase64);
        Assert.False(Ed25519Verifier.Verify(otherTenant.PublicKeyBase64, Deal, proof.SignatureBase64));
    }

    [Fact]
    public async Task An_independent_ed25519_verifier_accepts_the_signature_and_rejects_tampered_data()
    {
        var grain = cluster.Client.GetGrain<ITenantSigningKeyGrain>(ResourceIds.New("ten"));
        var publicKey = await grain.PublicKey();
        var proof = await grain.Sign(Deal);

        // Straight from the raw public key and signature bytes, as a third party would check them.
        var key = NSec.Cryptography.PublicKey.Import(SignatureAlgorithm.Ed25519, Convert.FromBase64String(publicKey.PublicKeyBase64),
            KeyBlobFormat.RawPublicKey);
        var signature = Convert.FromBase64String(proof.SignatureBase64);
        Assert.Equal(64, signature.Length);
        Assert.True(SignatureAlgorithm.Ed25519.Verify(key, Deal, signature));
        var tampered = Encoding.UTF8.GetBytes("""{"deal_id":"deal_0123456789abcdef01234567","total":"1.00"}""");
        Assert.False(SignatureAlgorithm.Ed25519.Verify(key, tampered, signature));
    }

    [Theory]
    [InlineData("not base64!", "AAAA")]
    [InlineData("AAAA", "AAAA")]
    [InlineData("", "")]
    public void The_verifier_answers_false_for_malformed_input(string publicKey, string signature)
    {
        Assert.False(Ed25519Verifier.Verify(publicKey, Deal, signature));
        Assert.False(Ed25519Verifier.Verify(null!, Deal, signature));
        Assert.False(Ed25519Verifier.Verify(publicKey, null!, signature));
        Assert.False(Ed25519Verifier.Verify(Convert.ToBase64String(new byte[32]), Deal, Convert.ToBase64String(new byte[64])));
    }

    [Fact]
    public async Task The_key_survives_deactivation_and_is_stored_only_encrypted()
    {
        var tenant = ResourceIds.New("ten");
        var grain = cluster.Client.GetGrain<ITenantSigningKeyGrain>(tenant);
        var publicKey = await grain.PublicKey();

        var silo = cluster.Cluster.Silos[0].ServiceProvider;
        var storage = silo.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);
        var stored = new GrainState<TenantSigningKeyState>();
        await storage.ReadStateAsync("signing-key", grain.GetGrainId(), stored);
        var state = Assert.IsType<TenantSigningKeyState>(stored.State);
        Assert.Equal(publicKey, state.PublicKey);
        var cipher = Assert.IsType<string>(state.PrivateKeyCipher);

        // The cipher opens only with the tenant's data key and only as this tenant's signing key.
        var crypto = await silo.GetRequiredService<TenantKeyCache>().ForTenant(tenant);
        var rawPrivate = crypto.DecryptBytes(cipher, TenantSigningKeyGrain.PrivateKeyContext(tenant));
        Assert.ThrowsAny<CryptographicException>(() => crypto.DecryptBytes(cipher, TenantSigningKeyGrain.PrivateKeyContext("ten_other")));
        using (var key = Key.Import(SignatureAlgorithm.Ed25519, rawPrivate, KeyBlobFormat.RawPrivateKey))
        {
            Assert.Equal(publicKey.PublicKeyBase64, Convert.ToBase64String(key.PublicKey.Export(KeyBlobFormat.RawPublicKey)));
        }

        // Neither the persisted bytes nor any text form of them carry the raw private key.
        var persisted = silo.GetRequiredService<Serializer>().SerializeToArray(state);
        Assert.True(persisted.AsSpan().IndexOf(rawPrivate) < 0, "persisted state holds the raw private key");
        var text = Encoding.UTF8.GetString(persisted);
        Assert.DoesNotContain(Convert.ToBase64String(rawPrivate), text);
        Assert.DoesNotContain(Convert.ToHexStringLower(rawPrivate), text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Convert.ToBase64String(rawPrivate), cipher);

        // A new activation decrypts the stored key instead of making another one.
        await cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(publicKey, await grain.PublicKey());
        var proof = await grain.Sign(Deal);
        Assert.True(Ed25519Verifier.Verify(publicKey.PublicKeyBase64, Deal, proof.SignatureBase64));
    }
}
