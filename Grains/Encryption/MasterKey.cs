using System.Security.Cryptography;
using Grains.Platform.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Grains.Encryption;

/// <summary>What a silo does when <c>Encryption:MasterKey</c> is not configured.</summary>
public enum MasterKeyPolicy
{
    /// <summary>Embedded topology: everything is in memory anyway, so a key generated at start is enough.</summary>
    GenerateWhenMissing,

    /// <summary>Cluster silos: data outlives the process and is shared by every silo, so the key must be configured.</summary>
    Required,
}

/// <summary>
/// The key-encryption key from configuration (<c>Encryption:MasterKey</c>, base64 of 32 bytes). It never encrypts
/// data itself: it wraps each tenant's data and index keys (<see cref="TenantKeyringGrain"/>), so the database holds
/// only wrapped keys and ciphertext. Wrapped values carry the master key version (<c>m1:</c>) for a later rotation.
/// </summary>
public sealed class MasterKey
{
    private const string Version = "m1:";

    private readonly byte[] key;

    private MasterKey(byte[] key) => this.key = key;

    public static MasterKey FromConfiguration(IConfiguration configuration, MasterKeyPolicy policy, ILogger logger)
    {
        var text = configuration[ConfigurationKeys.EncryptionMasterKey];
        if (string.IsNullOrWhiteSpace(text))
        {
            if (policy == MasterKeyPolicy.Required)
            {
                throw new InvalidOperationException(MissingMessage);
            }
            logger.LogWarning("{Setting} is not set: generated a master key for this process. Fine for the embedded (in-memory) " +
                              "topology; set it wherever data outlives the process.", ConfigurationKeys.EncryptionMasterKey);
            return new MasterKey(RandomNumberGenerator.GetBytes(Aead.KeyBytes));
        }
        return new MasterKey(Parse(text));
    }

    /// <summary>Fails fast with a message naming the setting (used when a cluster silo is configured).</summary>
    public static void Validate(string? text, MasterKeyPolicy policy)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (policy == MasterKeyPolicy.Required)
            {
                throw new InvalidOperationException(MissingMessage);
            }
            return;
        }
        Parse(text);
    }

    public string Wrap(ReadOnlySpan<byte> secret, string context) => Version + Aead.Seal(key, secret, context);

    public byte[] Unwrap(string wrapped, string context) =>
        wrapped.StartsWith(Version, StringComparison.Ordinal)
            ? Aead.Open(key, wrapped[Version.Length..], context)
            : throw new CryptographicException("The key was wrapped by an unknown master key version.");

    private static string MissingMessage =>
        $"{ConfigurationKeys.EncryptionMasterKey} (environment variable {ConfigurationKeys.EnvironmentVariableFor(ConfigurationKeys.EncryptionMasterKey)}) " +
        "is required for a cluster silo: base64 of 32 random bytes (e.g. `openssl rand -base64 32`), the same on every silo. " +
        "It wraps every tenant's encryption keys; without the same key, stored customer data cannot be read.";

    private static byte[] Parse(string text)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{ConfigurationKeys.EncryptionMasterKey} must be base64 of 32 bytes (e.g. `openssl rand -base64 32`).");
        }
        return bytes.Length == Aead.KeyBytes
            ? bytes
            : throw new InvalidOperationException($"{ConfigurationKeys.EncryptionMasterKey} must decode to 32 bytes (AES-256), not {bytes.Length}.");
    }
}
