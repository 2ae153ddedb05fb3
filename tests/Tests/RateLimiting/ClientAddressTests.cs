using System.Net;
using ApiHost.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace Tests.RateLimiting;

public sealed class ClientAddressTests
{
    private static HttpContext Request(string? peer, string? forwardedFor = null)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = peer is null ? null : IPAddress.Parse(peer);
        if (forwardedFor is not null)
        {
            context.Request.Headers["X-Forwarded-For"] = forwardedFor;
        }
        return context;
    }

    [Fact]
    public void The_TCP_peer_counts_and_X_Forwarded_For_is_ignored_unless_trusted()
    {
        Assert.Equal("10.0.0.5", ClientAddress.Of(Request("10.0.0.5", "1.2.3.4"), trustForwardedFor: false));
        Assert.Equal(ClientAddress.Unknown, ClientAddress.Of(Request(null), trustForwardedFor: false));
    }

    [Fact]
    public void A_trusted_proxy_s_entry_is_the_last_one_since_clients_can_write_the_rest()
    {
        Assert.Equal("203.0.113.9", ClientAddress.Of(Request("10.0.0.5", "1.2.3.4, 203.0.113.9"), trustForwardedFor: true));
        Assert.Equal("10.0.0.5", ClientAddress.Of(Request("10.0.0.5", "not-an-ip"), trustForwardedFor: true));
    }

    [Fact]
    public void IPv6_clients_count_per_64_block_and_mapped_IPv4_as_IPv4()
    {
        Assert.Equal("2001:db8:1:2::/64", ClientAddress.Of(Request("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), false));
        Assert.Equal(ClientAddress.Of(Request("2001:db8:1:2::1"), false), ClientAddress.Of(Request("2001:db8:1:2:ffff::9"), false));
        Assert.Equal("192.0.2.4", ClientAddress.Of(Request("::ffff:192.0.2.4"), false));
    }
}
