using System.Security.Cryptography;
using NSec.Cryptography;

namespace Grains.Deals.Signing;

/// <summary>Checks an Ed25519 signature made by <see cref="TenantSigningKeyGrain"/>, e.g. for the public verify endpoint.</summary>
public static class Ed25519Verifier
{
    /// <summary>
    /// True only when <paramref name="signatureBase64"/> is a valid signature of <paramref name="data"/> under the raw public
    /// key in <paramref name="publicKeyBase64"/>. Malformed input is just "not valid": callers answer untrusted requests.
    /// </summary>
    public static bool Verify(string publicKeyBase64, byte[] data, string signatureBase64)
    {
        if (publicKeyBase64 is null || data is null || signatureBase64 is null)
        {
            return false;
        }
        var algorithm = SignatureAlgorithm.Ed25519;
        try
        {
            var rawPublic = Convert.FromBase64String(publicKeyBase64);
            var signature = Convert.FromBase64String(signatureBase64);
            if (rawPublic.Length != algorithm.PublicKeySize || signature.Length != algorithm.SignatureSize ||
                !PublicKey.TryImport(algorithm, rawPublic, KeyBlobFormat.RawPublicKey, out var publicKey) || publicKey is null)
            {
                return false;
            }
            return algorithm.Verify(publicKey, data, signature);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or CryptographicException)
        {
            return false;
        }
    }
}
