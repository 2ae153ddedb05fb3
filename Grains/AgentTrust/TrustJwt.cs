using System.Text;
using System.Text.Json;

namespace Grains.AgentTrust;

/// <summary>
/// Compact JWS (RFC 7515) with <c>alg: EdDSA</c> (RFC 8037): <c>base64url(header) . base64url(payload)</c> is signed
/// as its ASCII bytes, and the 64-byte Ed25519 signature is appended base64url-encoded (no padding). Written here
/// because the framework's JWT handlers have no EdDSA; NSec makes the signature.
/// </summary>
public static class TrustJwt
{
    public static string SigningInput(object header, object payload) =>
        $"{Base64Url(JsonSerializer.SerializeToUtf8Bytes(header))}.{Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload))}";

    public static string Compact(string signingInput, byte[] signature) => $"{signingInput}.{Base64Url(signature)}";

    public static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] FromBase64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + (4 - padded.Length % 4) % 4, '='));
    }

    public static byte[] Ascii(string signingInput) => Encoding.ASCII.GetBytes(signingInput);
}
