using System.Security.Cryptography;

namespace Grains.Webhooks.Delivery;

/// <summary>
/// Signing secrets for webhook endpoints. The <c>whsec_</c> + base64 form works for both schemes: the Salesbooth
/// scheme keys HMAC with the whole string (as the document's verifiers do), the Standard Webhooks scheme with the
/// decoded bytes after the prefix.
/// </summary>
public static class WebhookSecrets
{
    public const string Prefix = "whsec_";
    private const int SecretBytes = 32;

    public static string New()
    {
        Span<byte> bytes = stackalloc byte[SecretBytes];
        RandomNumberGenerator.Fill(bytes);
        return Prefix + Convert.ToBase64String(bytes);
    }

    /// <summary>Enough of the secret for an operator to tell two apart, never enough to sign with.</summary>
    public static string Mask(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        // Short strings would otherwise be shown whole.
        var tail = secret.Length >= 12 ? secret[^4..] : "";
        return Prefix + "****" + tail;
    }
}
