using System.Security.Cryptography;
using System.Text;

namespace Grains.Encryption;

/// <summary>
/// AES-256-GCM with a random 96-bit nonce and a 128-bit tag, as base64 of <c>nonce | ciphertext | tag</c>.
/// The associated data binds a ciphertext to where it belongs (record and field, or tenant and key kind), so a
/// value copied elsewhere fails to decrypt instead of showing up in the wrong place.
/// </summary>
internal static class Aead
{
    public const int KeyBytes = 32;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    public static string Seal(byte[] key, ReadOnlySpan<byte> plaintext, string associatedData)
    {
        var output = new byte[NonceBytes + plaintext.Length + TagBytes];
        var nonce = output.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        // AesGcm instances are not thread-safe; one per call is cheap next to a grain call.
        using var aes = new AesGcm(key, TagBytes);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceBytes, plaintext.Length), output.AsSpan(NonceBytes + plaintext.Length),
            Encoding.UTF8.GetBytes(associatedData));
        return Convert.ToBase64String(output);
    }

    /// <summary>The plaintext; <see cref="CryptographicException"/> when the value was altered, moved or sealed under another key.</summary>
    public static byte[] Open(byte[] key, string sealedText, string associatedData)
    {
        byte[] input;
        try
        {
            input = Convert.FromBase64String(sealedText);
        }
        catch (FormatException ex)
        {
            throw new CryptographicException("Encrypted value is not base64.", ex);
        }
        if (input.Length < NonceBytes + TagBytes)
        {
            throw new CryptographicException("Encrypted value is too short.");
        }
        var length = input.Length - NonceBytes - TagBytes;
        var plaintext = new byte[length];
        using var aes = new AesGcm(key, TagBytes);
        aes.Decrypt(input.AsSpan(0, NonceBytes), input.AsSpan(NonceBytes, length), input.AsSpan(NonceBytes + length), plaintext,
            Encoding.UTF8.GetBytes(associatedData));
        return plaintext;
    }
}
