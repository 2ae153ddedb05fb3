using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Grains.Interfaces.Tenants;

/// <summary>
/// Key format <c>sb_{live|test|pub}_{region}_{random}</c>. Keys carry 192 bits of randomness, so a
/// single SHA-256 is a safe lookup hash (no password-style stretching needed) and keeps checks cheap.
/// </summary>
public static partial class ApiKeySecrets
{
    public static readonly IReadOnlyList<string> Regions = ["au", "eu", "us"];

    [GeneratedRegex("^sb_(live|test|pub)_(au|eu|us)_[A-Za-z0-9]{16,128}$")]
    private static partial Regex KeyFormat();

    public static bool IsWellFormed(string key) => KeyFormat().IsMatch(key);

    /// <summary>Environment part of a well-formed key: <c>live</c>, <c>test</c> or <c>pub</c>.</summary>
    public static string KindOf(string key) => key.Split('_')[1];

    /// <summary>The stored form of a key: lowercase hex SHA-256. The secret itself is never stored.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The part of a key that may be shown again after creation (<c>sb_live_us_</c>).</summary>
    public static string PrefixOf(string key) => key[..(key.IndexOf('_', 3) + 4)];

    public static string Generate(string kind, string region)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return $"sb_{kind}_{region}_{RandomNumberGenerator.GetString(alphabet, 32)}";
    }
}
