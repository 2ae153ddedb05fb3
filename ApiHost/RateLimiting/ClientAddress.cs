using System.Net;
using System.Net.Sockets;

namespace ApiHost.RateLimiting;

/// <summary>
/// The client address the per-IP tier counts against. By default the TCP peer
/// (<c>Connection.RemoteIpAddress</c>): <c>X-Forwarded-For</c> is written by whoever sends the
/// request, so it is only read when the operator says a proxy in front sets it
/// (<c>RateLimits:TrustForwardedFor</c>), and then only its last entry (the one that proxy appended).
/// IPv6 clients are counted per /64, the block one subscriber usually gets, so rotating addresses
/// within it does not multiply the allowance.
/// </summary>
public static class ClientAddress
{
    public const string Unknown = "unknown";

    public static string Of(HttpContext context, bool trustForwardedFor)
    {
        if (trustForwardedFor && LastForwarded(context.Request.Headers["X-Forwarded-For"].ToString()) is { } forwarded)
        {
            return Normalize(forwarded);
        }
        return context.Connection.RemoteIpAddress is { } peer ? Normalize(peer) : Unknown;
    }

    public static string Normalize(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    private static IPAddress? LastForwarded(string header)
    {
        if (header.Length == 0)
        {
            return null;
        }
        var last = header[(header.LastIndexOf(',') + 1)..].Trim();
        return IPAddress.TryParse(last, out var address) ? address : null;
    }
}
