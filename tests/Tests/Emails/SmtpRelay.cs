using System.Net;
using System.Net.Sockets;

namespace Tests.Emails;

/// <summary>A loopback TCP relay to the SMTP server that counts connections and may hold its first open without relaying it.</summary>
public sealed class SmtpRelay : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly TaskCompletionSource first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<TcpClient> held = [];
    private readonly int target;
    private readonly bool holdFirst;
    private int connections;

    public SmtpRelay(int target, bool holdFirst = false)
    {
        this.target = target;
        this.holdFirst = holdFirst;
        listener.Start();
        _ = Accept();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public Task FirstConnection => first.Task;

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref connections);

    private async Task Accept()
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var incoming = await listener.AcceptTcpClientAsync(stop.Token);
                Interlocked.Increment(ref connections);
                var isFirst = first.TrySetResult();
                if (isFirst && holdFirst)
                {
                    held.Add(incoming);
                    continue;
                }
                _ = Relay(incoming);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task Relay(TcpClient incoming)
    {
        using (incoming)
        using (var outgoing = new TcpClient())
        {
            try
            {
                await outgoing.ConnectAsync(IPAddress.Loopback, target, stop.Token);
                var a = incoming.GetStream();
                var b = outgoing.GetStream();
                await Task.WhenAny(a.CopyToAsync(b, stop.Token), b.CopyToAsync(a, stop.Token));
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
            {
                // One side closed.
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        stop.Cancel();
        listener.Stop();
        held.ForEach(c => c.Dispose());
        stop.Dispose();
        return ValueTask.CompletedTask;
    }
}
