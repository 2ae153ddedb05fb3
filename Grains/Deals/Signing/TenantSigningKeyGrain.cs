using System.Security.Cryptography;
using Grains.Encryption;
using Grains.Interfaces.Deals;
using NSec.Cryptography;

namespace Grains.Deals.Signing;

/// <summary>
/// A tenant's Ed25519 key pair (key = tenant id). Made on first use; the raw private key is stored only encrypted under
/// the tenant's data key (AES-GCM, bound to <see cref="PrivateKeyContext"/>), the public key in plain. While active the
/// imported key stays in memory, so signing costs no decryption.
/// </summary>
public sealed class TenantSigningKeyGrain(
    [PersistentState("signing-key")] IPersistentState<TenantSigningKeyState> state,
    TenantKeyCache keys,
    TimeProvider time) : Grain, ITenantSigningKeyGrain
{
    public const string Algorithm = "ed25519";

    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;

    private Key? key;

    private string TenantId => this.GetPrimaryKeyString();

    /// <summary>Associated data of the encrypted private key: it opens only as this tenant's signing key.</summary>
    public static string PrivateKeyContext(string tenantId) => $"signing-key/{tenantId}";

    /// <summary>A key id derived from the public key, so anyone holding the key can check the id names it.</summary>
    public static string KeyIdFor(ReadOnlySpan<byte> rawPublicKey) =>
        "tsk_" + Convert.ToHexStringLower(SHA256.HashData(rawPublicKey).AsSpan(0, 12));

    public async Task<TenantPublicKey> PublicKey()
    {
        await EnsureKey();
        return state.State.PublicKey!;
    }

    public async Task<DealSignatureProof> Sign(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var signingKey = await EnsureKey();
        var signature = Ed25519.Sign(signingKey, data);
        return new DealSignatureProof(state.State.PublicKey!.KeyId, Algorithm, Convert.ToBase64String(signature));
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Frees libsodium's guarded memory holding the private key.
        key?.Dispose();
        key = null;
        return Task.CompletedTask;
    }

    private async Task<Key> EnsureKey()
    {
        if (key is not null)
        {
            return key;
        }
        if (string.IsNullOrEmpty(TenantId))
        {
            throw new InvalidOperationException("A signing key grain is keyed by a tenant id.");
        }
        var crypto = await keys.ForTenant(TenantId);
        if (state.State is { PrivateKeyCipher: { } cipher, PublicKey: not null })
        {
            var raw = crypto.DecryptBytes(cipher, PrivateKeyContext(TenantId));
            try
            {
                key = Key.Import(Ed25519, raw, KeyBlobFormat.RawPrivateKey);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(raw);
            }
            return key;
        }

        // Grain calls are not interleaved, so two first uses cannot both make a key.
        var created = Key.Create(Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        var rawPrivate = created.Export(KeyBlobFormat.RawPrivateKey);
        try
        {
            var rawPublic = created.PublicKey.Export(KeyBlobFormat.RawPublicKey);
            state.State.PrivateKeyCipher = crypto.Encrypt(rawPrivate, PrivateKeyContext(TenantId));
            state.State.PublicKey = new TenantPublicKey(KeyIdFor(rawPublic), Algorithm, Convert.ToBase64String(rawPublic), time.GetUtcNow());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(rawPrivate);
        }
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Never sign with a key that is not stored: the signature could not be verified after a restart.
            created.Dispose();
            state.State.PrivateKeyCipher = null;
            state.State.PublicKey = null;
            throw;
        }
        key = created;
        return key;
    }
}

[GenerateSerializer, Alias("deals.signing-key-state")]
public sealed class TenantSigningKeyState
{
    /// <summary>The raw Ed25519 private key, encrypted under the tenant's data key; null before first use.</summary>
    [Id(0)] public string? PrivateKeyCipher { get; set; }

    [Id(1)] public TenantPublicKey? PublicKey { get; set; }
}
