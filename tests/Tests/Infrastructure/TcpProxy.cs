using System.Net;
using System.Net.Sockets;

namespace Tests.Infrastructure;

/// <summary>
/// A loopback TCP relay in front of PostgreSQL, so a test can make the database unreachable for the processes under
/// test (<see cref="Cut"/>: open connections reset, new ones refused) and bring it back (<see cref="Restore"/>)
/// without stopping a server other tests share.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly IPEndPoint target;
    private readonly List<TcpClient> open = [];
    private TcpListener? listener;

    public TcpProxy(string host, int port)
    {
        target = new IPEndPoint(IPAddress.Parse(host), port);
        Port = TestPorts.Free();
        Restore();
    }

    public int Port { get; }

    /// <summary>Accepts connections and relays them to the target.</summary>
    public void Restore()
    {
        if (listener is not null)
        {
            return;
        }
        listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        _ = AcceptAsync(listener);
    }

    /// <summary>Resets every relayed connection and refuses new ones.</summary>
    public void Cut()
    {
        listener?.Stop();
        listener = null;
        lock (open)
        {
            foreach (var client in open)
            {
                try
                {
                    // Reset rather than close: the other end sees the connection fail, as when a server goes away.
                    client.Client?.LingerState = new LingerOption(true, 0);
                }
                catch (ObjectDisposedException)
                {
                    // Closed meanwhile by its pump.
                }
                client.Dispose();
            }
            open.Clear();
        }
    }

    /// <summary>The connection string through this relay.</summary>
    public string Through(string connectionString) =>
        new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Host = "127.0.0.1", Port = Port }.ConnectionString;

    private async Task AcceptAsync(TcpListener accepting)
    {
        while (true)
        {
            TcpClient inbound;
            try
            {
                inbound = await accepting.AcceptTcpClientAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            var outbound = new TcpClient();
            try
            {
                await outbound.ConnectAsync(target);
            }
            catch (SocketException)
            {
                inbound.Dispose();
                outbound.Dispose();
                continue;
            }
            lock (open)
            {
                open.Add(inbound);
                open.Add(outbound);
            }
            _ = PumpAsync(inbound, outbound);
            _ = PumpAsync(outbound, inbound);
        }
    }

    private static async Task PumpAsync(TcpClient from, TcpClient to)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream());
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException or InvalidOperationException)
        {
            // The other side went away, or the relay was cut.
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Cut();
        return ValueTask.CompletedTask;
    }
}
