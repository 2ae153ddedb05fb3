using System.Security.Cryptography;

namespace Grains.Interfaces.Platform;

/// <summary>Public resource ids: a type prefix and 24 random lowercase hex characters (<c>ten_9f2c...</c>).</summary>
public static class ResourceIds
{
    public static string New(string prefix) =>
        $"{prefix}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}";
}
