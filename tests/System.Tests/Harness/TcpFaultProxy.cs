using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Testing;

namespace SystemTests.Harness;

/// <summary>
/// A loopback TCP proxy in front of one dependency, on a port that never changes, so the services can be given its
/// address once and the test can make the dependency slow, erroring, refused or silent without touching the
/// services (see <see cref="ProxyMode"/>). Used for faults the real servers cannot produce on demand.
/// </summary>
public sealed class TcpFaultProxy : IAsyncDisposable
{
    private static readonly byte[] Http500 =
        ("HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 17\r\nConnection: close\r\n\r\n"u8 +
         "simulated failure"u8).ToArray();

    private readonly ConcurrentDictionary<Guid, (Socket Client, Socket? Upstream)> _open = new();
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly int _upstreamPort;
    private TcpListener? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private volatile ProxyMode _mode = ProxyMode.Pass;

    public TcpFaultProxy(string name, int upstreamPort)
    {
        Name = name;
        _upstreamPort = upstreamPort;
        Port = FreePort.Next();
        Listen();
    }

    public string Name { get; }

    /// <summary>The port the services connect to.</summary>
    public int Port { get; }

    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    public ProxyMode Mode => _mode;

    /// <summary>Latency added to each forwarded chunk in <see cref="ProxyMode.Slow"/>.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromMilliseconds(200);

    public int OpenConnections => _open.Count;

    public void SetMode(ProxyMode mode)
    {
        lock (_gate)
        {
            _mode = mode;
            if (mode is ProxyMode.Refuse)
            {
                _listener?.Stop();
                _listener = null;
            }
            else if (_listener is null)
            {
                Listen();
            }

            if (mode is ProxyMode.Refuse or ProxyMode.Reset or ProxyMode.Http500)
            {
                foreach (var (id, pair) in _open)
                {
                    Abort(pair.Client);
                    if (pair.Upstream is not null)
                    {
                        Abort(pair.Upstream);
                    }

                    _open.TryRemove(id, out _);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        lock (_gate)
        {
            _listener?.Stop();
            _listener = null;
        }

        foreach (var pair in _open.Values)
        {
            Abort(pair.Client);
            if (pair.Upstream is not null)
            {
                Abort(pair.Upstream);
            }
        }

        await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    public override string ToString() => $"{Name} proxy {Endpoint} → 127.0.0.1:{_upstreamPort} ({_mode})";

    private void Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start(512);
        _listener = listener;
        _acceptLoop = AcceptLoopAsync(listener);
    }

    private async Task AcceptLoopAsync(TcpListener listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException
                                          or InvalidOperationException)
            {
                // The listener was stopped (Refuse mode or disposal): this loop ends; Listen() starts a new one.
                return;
            }

            _ = HandleAsync(client);
        }
    }

    private async Task HandleAsync(Socket client)
    {
        var id = Guid.NewGuid();
        client.NoDelay = true;
        Socket? upstream = null;
        try
        {
            switch (_mode)
            {
                case ProxyMode.Reset or ProxyMode.Refuse:
                    Abort(client);
                    return;
                case ProxyMode.Http500:
                    await AnswerHttp500Async(client);
                    return;
            }

            _open[id] = (client, null);
            upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
            {
                connect.CancelAfter(TimeSpan.FromSeconds(5));
                await upstream.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _upstreamPort), connect.Token);
            }

            _open[id] = (client, upstream);
            var up = PumpAsync(client, upstream);
            var down = PumpAsync(upstream, client);
            await Task.WhenAny(up, down);
            Abort(client);
            Abort(upstream);
            await Task.WhenAll(up, down).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            // Upstream refused (the real server is stopped) or a side went away: the client sees its connection end,
            // as it would talking to the server directly.
            Abort(client);
            if (upstream is not null)
            {
                Abort(upstream);
            }
        }
        finally
        {
            _open.TryRemove(id, out _);
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stopping.Token);
            if (read == 0)
            {
                to.Shutdown(SocketShutdown.Send);
                return;
            }

            switch (_mode)
            {
                case ProxyMode.Blackhole:
                    // Swallow: the peer waits forever, as on a stopped process whose kernel still acks the bytes.
                    continue;
                case ProxyMode.Slow:
                    await Task.Delay(Delay, _stopping.Token);
                    break;
                case ProxyMode.Refuse or ProxyMode.Reset or ProxyMode.Http500:
                    return;
            }

            var sent = 0;
            while (sent < read)
            {
                sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, _stopping.Token);
            }
        }
    }

    private async Task AnswerHttp500Async(Socket client)
    {
        try
        {
            var buffer = new byte[16 * 1024];
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            bound.CancelAfter(TimeSpan.FromSeconds(5));
            // One read is enough to know a request started; the body (if any) does not matter for a 500.
            await client.ReceiveAsync(buffer, SocketFlags.None, bound.Token);
            await client.SendAsync(Http500, SocketFlags.None, bound.Token);
            client.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client left first: nothing to answer.
        }
        finally
        {
            client.Dispose();
        }
    }

    private static void Abort(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }
    }
}
