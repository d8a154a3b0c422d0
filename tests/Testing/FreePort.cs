using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Testing;

/// <summary>Free TCP ports on 127.0.0.1 for servers the tests start.</summary>
public static class FreePort
{
    // Below Linux's default ephemeral range (32768-60999), so an outgoing connection's local port
    // cannot take the port between this call and the server's bind.
    private const int RangeStart = 20000;
    private const int RangeEnd = 32000;

    private static readonly ConcurrentDictionary<int, byte> HandedOut = new();

    /// <summary>A port that is free now and that this process has not handed out before.</summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(RangeStart, RangeEnd);
            if (IsFree(port) && HandedOut.TryAdd(port, 0))
            {
                return port;
            }
        }

        // Unlikely: fall back to a kernel-chosen port.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var fallback = ((IPEndPoint)listener.LocalEndpoint).Port;
        HandedOut.TryAdd(fallback, 0);
        return fallback;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
