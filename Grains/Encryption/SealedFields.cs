namespace Grains.Encryption;

/// <summary>
/// PII fields of one record sealed with the tenant's data key, each bound to its record (grain key) and field name, so
/// a ciphertext moved to another record or field does not open. Unchanged plaintext keeps its previous ciphertext, so
/// an update rewrites only what it touched. Customers and contacts both seal through this.
/// </summary>
public readonly struct SealedFields(TenantCrypto crypto, string grainKey)
{
    public string Seal(string value, string? previousPlain, string? previousCipher, string field) =>
        previousCipher is not null && string.Equals(value, previousPlain, StringComparison.Ordinal)
            ? previousCipher
            : crypto.Encrypt(value, Context(field));

    public string? SealOptional(string? value, string? previousPlain, string? previousCipher, string field) =>
        value is null ? null : Seal(value, previousPlain, previousCipher, field);

    public string Open(string cipher, string field) => crypto.Decrypt(cipher, Context(field));

    public string? OpenOptional(string? cipher, string field) => cipher is null ? null : Open(cipher, field);

    private string Context(string field) => $"{grainKey}#{field}";
}
