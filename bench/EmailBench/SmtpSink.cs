using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.IO;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace EmailBench;

/// <summary>
/// The benchmark's own SMTP receiver on loopback (the SmtpServer library): accepts every message, keeps nothing but a
/// count and the Message-IDs seen (to count duplicates). smtp4dev stores and indexes each message, which caps it far
/// below what the sending side is measured against; this sink is not the ceiling.
/// </summary>
internal sealed class SmtpSink : MessageStore, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, int> messageIds = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stop = new();
    private Task? running;
    private long received;
    private long duplicates;
    private long withoutId;

    public int Port { get; private set; }

    public long Received => Interlocked.Read(ref received);

    /// <summary>Messages whose Message-ID the sink had already received.</summary>
    public long Duplicates => Interlocked.Read(ref duplicates);

    public long WithoutMessageId => Interlocked.Read(ref withoutId);

    public static SmtpSink Start()
    {
        var sink = new SmtpSink { Port = FreePort() };
        var options = new SmtpServerOptionsBuilder()
            .ServerName("emailbench-sink")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, sink.Port)))
            .Build();
        var services = new ServiceProvider();
        services.Add(sink);
        services.Add(new NoDelayListenerFactory());
        sink.running = new SmtpServer.SmtpServer(options, services).StartAsync(sink.stop.Token);
        return sink;
    }

    public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer,
        CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref received);
        if (MessageId(buffer) is { } id)
        {
            if (messageIds.AddOrUpdate(id, 1, (_, n) => n + 1) > 1)
            {
                Interlocked.Increment(ref duplicates);
            }
        }
        else
        {
            Interlocked.Increment(ref withoutId);
        }
        return Task.FromResult(SmtpResponse.Ok);
    }

    /// <summary>The Message-ID header's value (unfolded), read from the header block only.</summary>
    internal static string? MessageId(ReadOnlySequence<byte> buffer)
    {
        var bytes = buffer.Length > 64 * 1024 ? buffer.Slice(0, 64 * 1024).ToArray() : buffer.ToArray();
        var text = Encoding.ASCII.GetString(bytes);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var lines = (end >= 0 ? text[..end] : text).Split("\r\n");
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("Message-ID:", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            var value = new StringBuilder(lines[i]["Message-ID:".Length..].Trim());
            while (i + 1 < lines.Length && lines[i + 1].Length > 0 && lines[i + 1][0] is ' ' or '\t')
            {
                value.Append(lines[++i].Trim());
            }
            return value.ToString();
        }
        return null;
    }

    /// <summary>
    /// The library's listener leaves Nagle on, so each reply waits for the client's delayed ACK (~40 ms on Linux: 22
    /// messages/s over one connection, measured); replies go out at once here.
    /// </summary>
    private sealed class NoDelayListenerFactory : IEndpointListenerFactory
    {
        public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition)
        {
            var listener = new TcpListener(endpointDefinition.Endpoint);
            listener.Start();
            return new NoDelayListener(listener);
        }
    }

    private sealed class NoDelayListener(TcpListener listener) : IEndpointListener
    {
        public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
        {
            var client = await listener.AcceptTcpClientAsync(cancellationToken);
            client.NoDelay = true;
            context.Properties[EndpointListener.LocalEndPointKey] = client.Client.LocalEndPoint!;
            context.Properties[EndpointListener.RemoteEndPointKey] = client.Client.RemoteEndPoint!;
            return new PlainPipe(client);
        }

        public void Dispose() => listener.Stop();
    }

    /// <summary>A plain-text connection as the library's pipe (the sink offers no STARTTLS).</summary>
    private sealed class PlainPipe(TcpClient client) : ISecurableDuplexPipe
    {
        public PipeReader Input { get; } = PipeReader.Create(client.GetStream());
        public PipeWriter Output { get; } = PipeWriter.Create(client.GetStream());
        public bool IsSecure => false;
        public SslProtocols SslProtocol => SslProtocols.None;

        public Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("The bench sink has no TLS");

        public void Dispose() => client.Dispose();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (running is not null)
        {
            try
            {
                await running;
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }
        stop.Dispose();
    }
}
