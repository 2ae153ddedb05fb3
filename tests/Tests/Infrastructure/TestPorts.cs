using System.Net;
using System.Net.Sockets;

namespace Tests.Infrastructure;

public static class TestPorts
{
    /// <summary>A currently free loopback TCP port (the OS picks it), for silos and gateways.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
