using System.Net;
using System.Net.Sockets;

namespace Harness;

/// <summary>Loopback ports for the servers and silos a benchmark starts.</summary>
public static class Ports
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
