using System.Net;
using System.Net.Sockets;

namespace Grains.Webhooks.Delivery;

/// <summary>Outcome of vetting a webhook target URL; <see cref="Reason"/> says why it was refused.</summary>
public sealed record TargetCheck(bool Allowed, string? Reason)
{
    public static TargetCheck Ok { get; } = new(true, null);
    public static TargetCheck Refused(string reason) => new(false, reason);
}

/// <summary>Raised from the delivery handler's connect step when the target resolves to a non-public address.</summary>
public sealed class WebhookTargetRefusedException(string message)
    : HttpRequestException(HttpRequestError.ConnectionError, message)
{
    /// <summary>
    /// True when <paramref name="exception"/> or one of its inner exceptions is a refusal. SocketsHttpHandler
    /// wraps connect-callback failures in its own <see cref="HttpRequestException"/>, so callers look inside.
    /// </summary>
    public static bool IsRefusal(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is WebhookTargetRefusedException)
                return true;
        }
        return false;
    }
}

/// <summary>
/// Webhook URLs are untrusted input: without this a tenant could make the silo call its own metadata service or
/// internal hosts. <see cref="CheckAsync"/> vets a URL when it is registered; <see cref="CreateHandler()"/> vets
/// again at connect time, against the address actually dialled, so a DNS answer that changes after registration
/// (rebinding) still cannot reach a private address. <paramref name="allowPrivateTargets"/> is for tests and the
/// embedded single-box mode.
/// </summary>
public sealed class WebhookTargetGuard(bool allowPrivateTargets, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
{
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve = resolve ?? Dns.GetHostAddressesAsync;

    public bool AllowPrivateTargets => allowPrivateTargets;

    public async Task<TargetCheck> CheckAsync(Uri url, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri)
            return TargetCheck.Refused("The webhook URL must be absolute.");
        var https = url.Scheme == Uri.UriSchemeHttps;
        if (!https && url.Scheme != Uri.UriSchemeHttp)
            return TargetCheck.Refused("The webhook URL must use https.");
        if (!string.IsNullOrEmpty(url.UserInfo))
            return TargetCheck.Refused("The webhook URL must not contain credentials (user info).");
        var host = BareHost(url.Host);
        if (host.Length == 0)
            return TargetCheck.Refused("The webhook URL has no host.");
        if (allowPrivateTargets)
            return TargetCheck.Ok;
        if (!https)
            return TargetCheck.Refused("The webhook URL must use https.");

        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(host, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return TargetCheck.Refused($"The webhook host '{host}' could not be resolved: {ex.Message}");
        }
        if (addresses.Length == 0)
            return TargetCheck.Refused($"The webhook host '{host}' does not resolve to any address.");
        foreach (var address in addresses)
        {
            if (!IsPublic(address))
                return TargetCheck.Refused($"The webhook host '{host}' resolves to a non-public address ({address}).");
        }
        return TargetCheck.Ok;
    }

    /// <summary>The delivery handler for this guard; see <see cref="CreateHandler(WebhookTargetGuard)"/>.</summary>
    public SocketsHttpHandler CreateHandler() => CreateHandler(this);

    /// <summary>
    /// A handler that never follows redirects (a 3xx could point anywhere), sends no cookies, ignores any system
    /// proxy (which would hide the real target), does not decompress, and resolves and vets the host itself on
    /// every new connection.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(WebhookTargetGuard guard)
    {
        ArgumentNullException.ThrowIfNull(guard);
        return new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            // Bounded so endpoints whose DNS moves are re-resolved (and re-vetted) reasonably soon.
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            MaxConnectionsPerServer = 64,
            ConnectCallback = guard.ConnectAsync,
        };
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = BareHost(context.DnsEndPoint.Host);
        var port = context.DnsEndPoint.Port;
        var addresses = await ResolveAsync(host, ct);
        if (addresses.Length == 0)
            throw new WebhookTargetRefusedException($"Webhook target '{host}' does not resolve to any address.");
        if (!allowPrivateTargets)
        {
            // Every candidate, not just the first: the socket may fall through to any of them.
            foreach (var address in addresses)
            {
                if (!IsPublic(address))
                    throw new WebhookTargetRefusedException(
                        $"Webhook target '{host}' resolves to non-public address {address}; private targets are not allowed.");
            }
        }

        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                // Dial the vetted address itself, never the name, so nothing re-resolves behind our back.
                await socket.ConnectAsync(new IPEndPoint(address, port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    private async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
    {
        // A literal is the address; sending it to DNS would only add a way to get it wrong.
        if (IPAddress.TryParse(host, out var literal))
            return [literal];
        return await _resolve(host, ct) ?? [];
    }

    private static string BareHost(string host) =>
        host.Length > 1 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;

    /// <summary>
    /// True only for globally routable unicast. IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64,
    /// 6to4) are judged by that IPv4 address, since that is where the packets end up.
    /// </summary>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
            return IsPublicV4(address.GetAddressBytes());
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return false;

        var b = address.GetAddressBytes();
        if (address.IsIPv4MappedToIPv6)
            return IsPublicV4(b.AsSpan(12, 4));
        if (AllZero(b.AsSpan(0, 12)))
        {
            // :: and ::1 live here too; the IPv4 check refuses 0.0.0.0 and 0.0.0.1 as part of 0/8.
            return IsPublicV4(b.AsSpan(12, 4));
        }
        // 64:ff9b::/96 well-known NAT64 prefix.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && AllZero(b.AsSpan(4, 8)))
            return IsPublicV4(b.AsSpan(12, 4));
        // 2002::/16 6to4 carries the IPv4 address in bytes 2..5.
        if (b[0] == 0x20 && b[1] == 0x02)
            return IsPublicV4(b.AsSpan(2, 4));
        // Only 2000::/3 is global unicast; this also rules out fc00::/7, fe80::/10, fec0::/10, ff00::/8,
        // 100::/64 and the local-use NAT64 prefix 64:ff9b:1::/48.
        if ((b[0] & 0xe0) != 0x20)
            return false;
        // 2001::/32 Teredo hides the real IPv4 peer; 2001:db8::/32 is documentation; 2001:2::/48 benchmarking;
        // 2001:10::/28 and 2001:20::/28 are ORCHID overlay identifiers, not routable.
        if (b[0] == 0x20 && b[1] == 0x01)
        {
            if (b[2] == 0x00 && b[3] == 0x00)
                return false;
            if (b[2] == 0x0d && b[3] == 0xb8)
                return false;
            if (b[2] == 0x00 && b[3] == 0x02 && b[4] == 0x00 && b[5] == 0x00)
                return false;
            if (b[2] == 0x00 && (b[3] & 0xf0) is 0x10 or 0x20)
                return false;
        }
        return true;
    }

    private static bool IsPublicV4(ReadOnlySpan<byte> a)
    {
        return !(
            a[0] == 0 ||                                        // 0/8 "this network", includes 0.0.0.0
            a[0] == 10 ||                                       // 10/8 private
            (a[0] == 100 && (a[1] & 0xc0) == 64) ||             // 100.64/10 carrier-grade NAT
            a[0] == 127 ||                                      // 127/8 loopback
            (a[0] == 169 && a[1] == 254) ||                     // 169.254/16 link-local (cloud metadata)
            (a[0] == 172 && (a[1] & 0xf0) == 16) ||             // 172.16/12 private
            (a[0] == 192 && a[1] == 0 && a[2] == 0) ||          // 192.0.0/24 IETF protocol assignments
            (a[0] == 192 && a[1] == 0 && a[2] == 2) ||          // 192.0.2/24 documentation
            (a[0] == 192 && a[1] == 88 && a[2] == 99) ||        // 192.88.99/24 deprecated 6to4 relay
            (a[0] == 192 && a[1] == 168) ||                     // 192.168/16 private
            (a[0] == 198 && (a[1] & 0xfe) == 18) ||             // 198.18/15 benchmarking
            (a[0] == 198 && a[1] == 51 && a[2] == 100) ||       // 198.51.100/24 documentation
            (a[0] == 203 && a[1] == 0 && a[2] == 113) ||        // 203.0.113/24 documentation
            a[0] >= 224);                                       // 224/4 multicast, 240/4 reserved, broadcast
    }

    private static bool AllZero(ReadOnlySpan<byte> bytes) => !bytes.ContainsAnyExcept((byte)0);
}
