using System.Security.Cryptography;
using System.Text;

namespace Grains.Interfaces.Platform;

/// <summary>Public resource ids: a type prefix and 24 random lowercase hex characters (<c>ten_9f2c...</c>).</summary>
public static class ResourceIds
{
    public static string New(string prefix) =>
        $"{prefix}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}";

    /// <summary>The same id for the same seed (a keyed request's retry asks for the grain its first attempt made).</summary>
    public static string Derived(string prefix, string seed) =>
        $"{prefix}_{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(seed)).AsSpan(0, 12))}";
}
