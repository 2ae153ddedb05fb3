using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Grains.Interfaces.Webhooks;

namespace Grains.Webhooks.Delivery;

/// <summary>
/// Signatures and headers for an outbound webhook delivery. Two schemes: the Salesbooth document's
/// <c>X-Salesbooth-Signature: v1=&lt;hex&gt;</c> (the default, what its Node and Python samples verify) and the
/// Standard Webhooks <c>webhook-signature</c> headers for receivers that use an off-the-shelf verifier.
/// </summary>
public static class WebhookSignatures
{
    public const string SalesboothScheme = WebhookKeys.SalesboothScheme;
    public const string StandardScheme = WebhookKeys.StandardScheme;

    public const string SalesboothSignatureHeader = "X-Salesbooth-Signature";
    public const string SalesboothTimestampHeader = "X-Salesbooth-Timestamp";
    public const string SalesboothEventHeader = "X-Salesbooth-Event";
    public const string SalesboothDeliveryHeader = "X-Salesbooth-Delivery";
    public const string SalesboothEventIdHeader = "X-Salesbooth-Event-Id";
    public const string SalesboothReplayedHeader = "X-Salesbooth-Replayed";
    public const string StandardIdHeader = "webhook-id";
    public const string StandardTimestampHeader = "webhook-timestamp";
    public const string StandardSignatureHeader = "webhook-signature";

    public static bool IsKnownScheme(string scheme) =>
        string.Equals(scheme, SalesboothScheme, StringComparison.Ordinal) ||
        string.Equals(scheme, StandardScheme, StringComparison.Ordinal);

    /// <summary>
    /// <c>v1=</c> + lowercase hex HMAC-SHA256 keyed by the UTF-8 bytes of the whole secret string over
    /// <c>"{unixSeconds}." + body</c>: byte for byte what the document's receivers compute.
    /// </summary>
    public static string Salesbooth(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var mac = Mac(Encoding.UTF8.GetBytes(secret), Prefix(unixSeconds.ToString(CultureInfo.InvariantCulture) + "."), body);
        return "v1=" + Convert.ToHexStringLower(mac);
    }

    /// <summary>
    /// Standard Webhooks: one <c>v1,&lt;base64 HMAC&gt;</c> per secret, space separated, over
    /// <c>"{messageId}.{unixSeconds}." + body</c>, keyed by the base64-decoded part after <c>whsec_</c>.
    /// </summary>
    public static string Standard(IReadOnlyList<string> secrets, string messageId, long unixSeconds, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        if (secrets.Count == 0)
            throw new ArgumentException("At least one secret is needed.", nameof(secrets));

        var prefix = Prefix($"{messageId}.{unixSeconds.ToString(CultureInfo.InvariantCulture)}.");
        var result = new StringBuilder();
        foreach (var secret in secrets)
        {
            if (result.Length > 0)
                result.Append(' ');
            result.Append("v1,").Append(Convert.ToBase64String(Mac(StandardKey(secret), prefix, body)));
        }
        return result.ToString();
    }

    /// <summary>
    /// The headers for one delivery attempt. Salesbooth sends a single signature with the current secret because
    /// the document's verifier compares the whole header value; Standard sends the previous secret's too while a
    /// rotation is in its grace period, since that spec lets receivers accept any listed signature.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Headers(string scheme, string currentSecret, string? previousSecret,
        string eventId, string eventType, string deliveryId, long unixSeconds, ReadOnlySpan<byte> body, bool replayed)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        ArgumentException.ThrowIfNullOrEmpty(eventType);
        ArgumentException.ThrowIfNullOrEmpty(deliveryId);
        var timestamp = unixSeconds.ToString(CultureInfo.InvariantCulture);
        var headers = new List<KeyValuePair<string, string>>(7);

        switch (scheme)
        {
            case SalesboothScheme:
                headers.Add(new(SalesboothSignatureHeader, Salesbooth(currentSecret, unixSeconds, body)));
                headers.Add(new(SalesboothTimestampHeader, timestamp));
                headers.Add(new(SalesboothEventHeader, eventType));
                headers.Add(new(SalesboothDeliveryHeader, deliveryId));
                headers.Add(new(SalesboothEventIdHeader, eventId));
                break;
            case StandardScheme:
                string[] secrets = previousSecret is null ? [currentSecret] : [currentSecret, previousSecret];
                // The event id, not the delivery id: receivers dedupe on webhook-id across retries.
                headers.Add(new(StandardIdHeader, eventId));
                headers.Add(new(StandardTimestampHeader, timestamp));
                headers.Add(new(StandardSignatureHeader, Standard(secrets, eventId, unixSeconds, body)));
                headers.Add(new(SalesboothEventHeader, eventType));
                headers.Add(new(SalesboothDeliveryHeader, deliveryId));
                break;
            default:
                throw new ArgumentException($"Unknown webhook signature scheme '{scheme}'.", nameof(scheme));
        }

        if (replayed)
            headers.Add(new(SalesboothReplayedHeader, "true"));
        return headers;
    }

    private static byte[] StandardKey(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var encoded = secret.StartsWith(WebhookSecrets.Prefix, StringComparison.Ordinal) ? secret[WebhookSecrets.Prefix.Length..] : secret;
        try
        {
            return Convert.FromBase64String(encoded);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException("A Standard Webhooks secret must be whsec_ followed by base64.", nameof(secret), ex);
        }
    }

    private static byte[] Prefix(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Mac(byte[] key, byte[] prefix, ReadOnlySpan<byte> body)
    {
        // Incremental so the body is never copied next to the prefix.
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(prefix);
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }
}
