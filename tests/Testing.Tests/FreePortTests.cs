using System.Net;
using System.Net.Sockets;

namespace Testing.Tests;

public sealed class FreePortTests
{
    [Fact]
    public void Next_returns_distinct_ports_that_can_be_bound_on_loopback()
    {
        var ports = Enumerable.Range(0, 20).Select(_ => FreePort.Next()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
        using var listener = new TcpListener(IPAddress.Loopback, ports[^1]);
        listener.Start();
        Assert.Equal(ports[^1], ((IPEndPoint)listener.LocalEndpoint).Port);
    }
}
