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
        ThreadCiphers.Nonce(nonce);
        ThreadCiphers.For(key).Encrypt(nonce, plaintext, output.AsSpan(NonceBytes, plaintext.Length), output.AsSpan(NonceBytes + plaintext.Length),
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
        ThreadCiphers.For(key).Decrypt(input.AsSpan(0, NonceBytes), input.AsSpan(NonceBytes, length), input.AsSpan(NonceBytes + length), plaintext,
            Encoding.UTF8.GetBytes(associatedData));
        return plaintext;
    }

    /// <summary>
    /// Per thread: the AesGcm of the last few keys (an instance is not thread-safe, and making one per value was half of
    /// the cost of sealing or opening it) and a buffer of random bytes for nonces (one RNG call per 32 nonces instead of
    /// one per value). The keys are the process's long-lived data and master keys, held by reference.
    /// </summary>
    private static class ThreadCiphers
    {
        private const int Slots = 4;
        private const int NonceBuffer = NonceBytes * 32;

        [ThreadStatic] private static (byte[] Key, AesGcm Cipher)[]? ciphers;
        [ThreadStatic] private static int next;
        [ThreadStatic] private static byte[]? nonces;
        [ThreadStatic] private static int used;

        public static AesGcm For(byte[] key)
        {
            var slots = ciphers ??= new (byte[], AesGcm)[Slots];
            foreach (var (cachedKey, cipher) in slots)
            {
                if (ReferenceEquals(cachedKey, key))
                {
                    return cipher;
                }
            }
            var made = new AesGcm(key, TagBytes);
            var slot = next;
            next = (next + 1) % Slots;
            slots[slot].Cipher?.Dispose();
            slots[slot] = (key, made);
            return made;
        }

        /// <summary>Fresh random bytes for one nonce; each buffered byte is handed out once.</summary>
        public static void Nonce(Span<byte> nonce)
        {
            var buffer = nonces ??= new byte[NonceBuffer];
            if (used == 0 || used + NonceBytes > NonceBuffer)
            {
                RandomNumberGenerator.Fill(buffer);
                used = 0;
            }
            buffer.AsSpan(used, NonceBytes).CopyTo(nonce);
            buffer.AsSpan(used, NonceBytes).Clear();
            used += NonceBytes;
        }
    }
}
