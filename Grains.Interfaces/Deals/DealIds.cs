using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Grains.Interfaces.Deals;

/// <summary>
/// Deal ids: <c>deal_</c> and 24 hex characters, like every id, of which the last 8 are a tag of the deal's partition
/// (tenant and environment: the first 4 bytes of a SHA-256 over it) and the first 16 are random (or, for a keyed create,
/// derived from the key's seed). The public verify endpoint finds the partition from the tag (<see cref="IDealTagGrain"/>,
/// written once per partition, not per deal) instead of a lookup written on every create. Ids made before tags existed
/// carry random last bytes: verify falls back to the locator those creates wrote.
/// </summary>
public static class DealIds
{
    private const int RandomBytes = 8;

    public static string New(string partition) => Compose(RandomNumberGenerator.GetBytes(RandomBytes), partition);

    /// <summary>The same id for the same seed: a keyed create's retry reaches the deal its first attempt made.</summary>
    public static string Derived(string partition, string seed) =>
        Compose(SHA256.HashData(Encoding.UTF8.GetBytes($"deal\n{partition}\n{seed}")).AsSpan(0, RandomBytes), partition);

    // A creation needs its partition's tag twice (the id, then the deal checking it): a SHA-256 each was ~1% of the
    // server's CPU. Partitions are few per process; the cache is emptied if it ever grows past MaxTagsKept.
    private const int MaxTagsKept = 4096;
    private static readonly ConcurrentDictionary<string, string> Tags = new(StringComparer.Ordinal);

    /// <summary>The partition's tag: 8 hex characters.</summary>
    public static string Tag(string partition)
    {
        if (Tags.TryGetValue(partition, out var tag))
        {
            return tag;
        }
        if (Tags.Count >= MaxTagsKept)
        {
            Tags.Clear();
        }
        tag = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"deal-partition\n{partition}")).AsSpan(0, 4));
        Tags.TryAdd(partition, tag);
        return tag;
    }

    /// <summary>The tag a (well-formed) deal id carries; for an id made before tags, random characters.</summary>
    public static string TagOf(string dealId) => dealId[^8..];

    private static string Compose(ReadOnlySpan<byte> random, string partition) =>
        $"{DealKeys.IdPrefix}_{Convert.ToHexStringLower(random)}{Tag(partition)}";
}
