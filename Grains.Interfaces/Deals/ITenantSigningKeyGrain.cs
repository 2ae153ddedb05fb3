namespace Grains.Interfaces.Deals;

/// <summary>
/// A tenant's Ed25519 signing key (key = tenant id). The key pair is made on first use; the private key never leaves
/// the silo unencrypted, so callers only get the public key and signatures.
/// </summary>
public interface ITenantSigningKeyGrain : IGrainWithStringKey
{
    Task<TenantPublicKey> PublicKey();

    /// <summary>An Ed25519 signature over <paramref name="data"/> exactly as given.</summary>
    Task<DealSignatureProof> Sign(byte[] data);
}

/// <param name="KeyId">Fingerprint of the public key, so a signature names the key that verifies it.</param>
/// <param name="Algorithm">Always <c>ed25519</c>.</param>
/// <param name="PublicKeyBase64">The raw 32-byte public key, base64.</param>
[GenerateSerializer, Immutable, Alias("deals.tenant-public-key")]
public sealed record TenantPublicKey(
    [property: Id(0)] string KeyId,
    [property: Id(1)] string Algorithm,
    [property: Id(2)] string PublicKeyBase64,
    [property: Id(3)] DateTimeOffset CreatedAt);

/// <param name="SignatureBase64">The raw 64-byte Ed25519 signature, base64.</param>
[GenerateSerializer, Immutable, Alias("deals.signature-proof")]
public sealed record DealSignatureProof(
    [property: Id(0)] string KeyId,
    [property: Id(1)] string Algorithm,
    [property: Id(2)] string SignatureBase64);
