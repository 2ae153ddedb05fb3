using System.Net;
using System.Net.Sockets;
using System.Text;
using Grains.Webhooks.Delivery;

namespace Tests.Webhooks;

/// <summary>Webhook targets are untrusted: private addresses are refused at registration and again at connect time.
/// Everything here stays on loopback or on fake resolvers; nothing touches the network.</summary>
public sealed class WebhookTargetGuardTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.0.9")]
    [InlineData("10.1.2.3")]
    [InlineData("169.254.169.254")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("::127.0.0.1")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("2002:7f00:1::")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("100.64.0.1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("fe80::1")]
    [InlineData("ff02::1")]
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("224.0.0.1")]
    [InlineData("240.0.0.1")]
    [InlineData("255.255.255.255")]
    public void Non_public_addresses_are_not_public(string address)
    {
        Assert.False(WebhookTargetGuard.IsPublic(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700::1")]
    [InlineData("::ffff:93.184.216.34")]
    [InlineData("64:ff9b::5db8:d822")]
    public void Public_addresses_are_public(string address)
    {
        Assert.True(WebhookTargetGuard.IsPublic(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("https://127.0.0.1/hook")]
    [InlineData("https://10.1.2.3/hook")]
    [InlineData("https://169.254.169.254/latest/meta-data/")]
    [InlineData("https://[::1]/hook")]
    [InlineData("https://[::ffff:127.0.0.1]/hook")]
    [InlineData("https://[fe80::1]/hook")]
    [InlineData("https://0.0.0.0/hook")]
    [InlineData("https://2130706433/hook")]
    [InlineData("https://localhost/hook")]
    public async Task Private_targets_are_refused(string url)
    {
        var check = await new WebhookTargetGuard(allowPrivateTargets: false).CheckAsync(new Uri(url), CancellationToken.None);

        Assert.False(check.Allowed);
        Assert.False(string.IsNullOrWhiteSpace(check.Reason));
    }

    [Fact]
    public async Task A_name_resolving_to_a_private_address_is_refused()
    {
        var guard = new WebhookTargetGuard(false, Resolver(("internal.example", ["10.0.0.5"])));

        var check = await guard.CheckAsync(new Uri("https://internal.example/hook"), CancellationToken.None);

        Assert.False(check.Allowed);
        Assert.Contains("10.0.0.5", check.Reason);
    }

    [Fact]
    public async Task A_name_is_refused_when_any_of_its_addresses_is_private()
    {
        var guard = new WebhookTargetGuard(false, Resolver(("mixed.example", ["93.184.216.34", "192.168.0.10"])));

        Assert.False((await guard.CheckAsync(new Uri("https://mixed.example/"), CancellationToken.None)).Allowed);
    }

    [Fact]
    public async Task A_public_https_target_is_allowed()
    {
        var guard = new WebhookTargetGuard(false, Resolver(("hooks.example", ["93.184.216.34", "2606:4700::1"])));

        Assert.Equal(new TargetCheck(true, null), await guard.CheckAsync(new Uri("https://hooks.example/in"), CancellationToken.None));
        Assert.True((await guard.CheckAsync(new Uri("https://93.184.216.34:8443/in"), CancellationToken.None)).Allowed);
    }

    [Fact]
    public async Task Unresolvable_names_and_resolver_failures_are_refused_with_a_reason()
    {
        var empty = new WebhookTargetGuard(false, (_, _) => Task.FromResult(Array.Empty<IPAddress>()));
        var failing = new WebhookTargetGuard(false, (_, _) => throw new SocketException((int)SocketError.HostNotFound));

        var none = await empty.CheckAsync(new Uri("https://nowhere.example/"), CancellationToken.None);
        var error = await failing.CheckAsync(new Uri("https://nowhere.example/"), CancellationToken.None);

        Assert.False(none.Allowed);
        Assert.Contains("does not resolve", none.Reason);
        Assert.False(error.Allowed);
        Assert.Contains("could not be resolved", error.Reason);
    }

    [Theory]
    [InlineData("http://93.184.216.34/hook", "https")]
    [InlineData("ftp://93.184.216.34/hook", "https")]
    [InlineData("https://user:secret@93.184.216.34/hook", "credentials")]
    [InlineData("https://user@93.184.216.34/hook", "credentials")]
    public async Task Plain_http_other_schemes_and_user_info_are_refused(string url, string reason)
    {
        var check = await new WebhookTargetGuard(false).CheckAsync(new Uri(url), CancellationToken.None);

        Assert.False(check.Allowed);
        Assert.Contains(reason, check.Reason);
    }

    [Fact]
    public async Task Relative_urls_are_refused_even_when_private_targets_are_allowed()
    {
        var check = await new WebhookTargetGuard(true).CheckAsync(new Uri("/hook", UriKind.Relative), CancellationToken.None);

        Assert.False(check.Allowed);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000/hook", true)]
    [InlineData("https://10.0.0.5/hook", true)]
    [InlineData("http://localhost/hook", true)]
    [InlineData("http://user:pw@127.0.0.1/hook", false)]
    [InlineData("ftp://127.0.0.1/hook", false)]
    public async Task Allowing_private_targets_allows_http_and_private_addresses_but_not_user_info(string url, bool allowed)
    {
        var check = await new WebhookTargetGuard(allowPrivateTargets: true).CheckAsync(new Uri(url), CancellationToken.None);

        Assert.Equal(allowed, check.Allowed);
    }

    [Fact]
    public async Task The_handler_refuses_to_connect_to_loopback_when_private_targets_are_not_allowed()
    {
        await using var server = new LoopbackServer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        using var client = new HttpClient(WebhookTargetGuard.CreateHandler(new WebhookTargetGuard(false)));

        var ex = await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetAsync($"http://127.0.0.1:{server.Port}/hook"));

        Assert.True(WebhookTargetRefusedException.IsRefusal(ex), ex.ToString());
        Assert.Equal(0, server.Accepted);
    }

    [Fact]
    public async Task The_handler_vets_the_address_at_connect_time_so_a_rebound_name_is_refused()
    {
        // Registration saw a public address; by delivery time the name points at loopback.
        var answers = new Queue<IPAddress[]>([[IPAddress.Parse("93.184.216.34")], [IPAddress.Loopback]]);
        var guard = new WebhookTargetGuard(false, (_, _) => Task.FromResult(answers.Dequeue()));
        await using var server = new LoopbackServer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

        Assert.True((await guard.CheckAsync(new Uri($"https://rebind.example:{server.Port}/"), CancellationToken.None)).Allowed);
        using var client = new HttpClient(guard.CreateHandler());
        var ex = await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetAsync($"https://rebind.example:{server.Port}/"));

        Assert.True(WebhookTargetRefusedException.IsRefusal(ex), ex.ToString());
        Assert.Equal(0, server.Accepted);
    }

    [Fact]
    public async Task The_handler_connects_to_the_resolved_address_when_private_targets_are_allowed()
    {
        await using var server = new LoopbackServer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        var guard = new WebhookTargetGuard(true, Resolver(("hooks.test", ["127.0.0.1"])));
        using var client = new HttpClient(guard.CreateHandler());

        using var byAddress = await client.GetAsync($"http://127.0.0.1:{server.Port}/hook");
        using var byName = await client.GetAsync($"http://hooks.test:{server.Port}/hook");

        Assert.Equal(HttpStatusCode.OK, byAddress.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byName.StatusCode);
    }

    [Fact]
    public async Task The_handler_does_not_follow_redirects()
    {
        await using var server = new LoopbackServer(
            "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        using var client = new HttpClient(WebhookTargetGuard.CreateHandler(new WebhookTargetGuard(true)));

        using var response = await client.PostAsync($"http://127.0.0.1:{server.Port}/hook", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal(1, server.Accepted);
    }

    [Fact]
    public void The_handler_is_configured_for_untrusted_targets()
    {
        using var handler = WebhookTargetGuard.CreateHandler(new WebhookTargetGuard(false));

        Assert.False(handler.AllowAutoRedirect);
        Assert.False(handler.UseCookies);
        Assert.False(handler.UseProxy);
        Assert.Equal(DecompressionMethods.None, handler.AutomaticDecompression);
        Assert.Equal(TimeSpan.FromSeconds(10), handler.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), handler.PooledConnectionLifetime);
        Assert.Equal(64, handler.MaxConnectionsPerServer);
        Assert.NotNull(handler.ConnectCallback);
    }

    private static Func<string, CancellationToken, Task<IPAddress[]>> Resolver(params (string Host, string[] Addresses)[] entries)
    {
        var map = entries.ToDictionary(e => e.Host, e => e.Addresses.Select(IPAddress.Parse).ToArray(), StringComparer.OrdinalIgnoreCase);
        return (host, _) => map.TryGetValue(host, out var addresses)
            ? Task.FromResult(addresses)
            : throw new SocketException((int)SocketError.HostNotFound);
    }

    /// <summary>A raw HTTP/1.1 responder on 127.0.0.1 that answers every request with one canned response.</summary>
    private sealed class LoopbackServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _serving;
        private int _accepted;

        public LoopbackServer(string response)
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _serving = ServeAsync(Encoding.ASCII.GetBytes(response));
        }

        public int Port { get; }

        public int Accepted => Volatile.Read(ref _accepted);

        private async Task ServeAsync(byte[] response)
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    Interlocked.Increment(ref _accepted);
                    var stream = client.GetStream();
                    await ReadHeadAsync(stream);
                    await stream.WriteAsync(response, _stop.Token);
                    client.Client.Shutdown(SocketShutdown.Send);
                }
            }
            catch (Exception e) when (_stop.IsCancellationRequested && e is OperationCanceledException or System.Net.Sockets.SocketException)
            {
                // Disposed: a pending accept ends as OperationCanceledException or, racing the listener's stop, SocketException.
            }
        }

        private async Task ReadHeadAsync(NetworkStream stream)
        {
            // The request head ends at the first blank line; a small body after it is left unread.
            var seen = new List<byte>();
            var buffer = new byte[1024];
            while (true)
            {
                var n = await stream.ReadAsync(buffer, _stop.Token);
                if (n == 0)
                    return;
                seen.AddRange(buffer.AsSpan(0, n));
                if (Encoding.ASCII.GetString(seen.ToArray()).Contains("\r\n\r\n", StringComparison.Ordinal))
                    return;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _serving;
            _stop.Dispose();
        }
    }
}
