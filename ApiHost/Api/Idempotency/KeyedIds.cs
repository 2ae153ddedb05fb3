using Grains.Interfaces.Deals;
using Grains.Interfaces.Platform;

namespace ApiHost.Api.Idempotency;

/// <summary>
/// The ids a request creates. A keyed request (<see cref="IdempotencyMiddleware"/>) derives them from its key's seed,
/// in the order the request asks for them, so its retry asks for the same grains and finds the change the first attempt
/// committed; any other request gets random ids.
/// </summary>
public sealed class KeyedIds(string partition, string seed)
{
    private readonly Dictionary<string, int> counts = new(StringComparer.Ordinal);

    /// <summary>A new <c>{prefix}_...</c> id for this request.</summary>
    public static string New(HttpContext http, string prefix) =>
        http.Features.Get<KeyedIds>() is { } keyed ? keyed.Next(prefix) : ResourceIds.New(prefix);

    /// <summary>A new deal id for this request (tagged with the caller's partition, see <see cref="DealIds"/>).</summary>
    public static string NewDeal(HttpContext http, string partition) =>
        http.Features.Get<KeyedIds>() is { } keyed ? DealIds.Derived(partition, keyed.NextSeed(DealKeys.IdPrefix)) : DealIds.New(partition);

    private string Next(string prefix) => ResourceIds.Derived(prefix, NextSeed(prefix));

    private string NextSeed(string prefix)
    {
        lock (counts)
        {
            var n = counts.GetValueOrDefault(prefix);
            counts[prefix] = n + 1;
            return $"{partition}\n{seed}\n{prefix}\n{n}";
        }
    }
}
