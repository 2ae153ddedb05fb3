using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Grains.Encryption;

/// <summary>
/// One tenant's unwrapped keys: encrypts PII fields (AES-256-GCM, <c>v{n}:</c> naming the data key version) and
/// computes blind indexes (HMAC-SHA256 under the tenant's index key) so equality search and uniqueness work
/// without plaintext. Blind indexes reveal equal values within a tenant, nothing more.
/// </summary>
public sealed class TenantCrypto
{
    private readonly IReadOnlyDictionary<int, byte[]> dataKeys;
    private readonly int currentVersion;
    private readonly byte[] indexKey;

    private TenantCrypto(IReadOnlyDictionary<int, byte[]> dataKeys, int currentVersion, byte[] indexKey)
    {
        this.dataKeys = dataKeys;
        this.currentVersion = currentVersion;
        this.indexKey = indexKey;
    }

    public static TenantCrypto Unwrap(string tenantId, TenantWrappedKeys keys, MasterKey master) => new(
        keys.DataKeys.ToDictionary(k => k.Version, k => master.Unwrap(k.Wrapped, TenantKeyringGrain.DataKeyContext(tenantId, k.Version))),
        keys.CurrentVersion,
        master.Unwrap(keys.WrappedIndexKey, TenantKeyringGrain.IndexKeyContext(tenantId)));

    /// <param name="context">Where the value lives (record and field); decrypting needs the same context.</param>
    public string Encrypt(string plaintext, string context) => Encrypt(Encoding.UTF8.GetBytes(plaintext), context);

    /// <summary>Binary secrets (key material) go in as bytes, so no string copy of them is ever made.</summary>
    public string Encrypt(ReadOnlySpan<byte> plaintext, string context) =>
        $"v{currentVersion}:" + Aead.Seal(dataKeys[currentVersion], plaintext, context);

    public string Decrypt(string ciphertext, string context) => Encoding.UTF8.GetString(DecryptBytes(ciphertext, context));

    /// <summary>The plaintext bytes of a value sealed by <see cref="Encrypt(ReadOnlySpan{byte}, string)"/>; the caller may wipe them.</summary>
    public byte[] DecryptBytes(string ciphertext, string context)
    {
        var colon = ciphertext.IndexOf(':');
        if (colon < 2 || ciphertext[0] != 'v' ||
            !int.TryParse(ciphertext.AsSpan(1, colon - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ||
            !dataKeys.TryGetValue(version, out var key))
        {
            throw new CryptographicException("Encrypted value names no known data key version.");
        }
        return Aead.Open(key, ciphertext[(colon + 1)..], context);
    }

    /// <summary>A keyed hash of <paramref name="value"/> for exact matching (128 bits, base64url).</summary>
    /// <param name="purpose">Separates index spaces (search tokens vs. email uniqueness).</param>
    public string BlindIndex(string purpose, string value)
    {
        var hash = HMACSHA256.HashData(indexKey, Encoding.UTF8.GetBytes($"{purpose}\u001f{value}"));
        return Base64Url.EncodeToString(hash.AsSpan(0, 16));
    }
}
