using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ServiceDefaults.Streaming;

namespace ServiceDefaults.Tests;

/// <summary>
/// The read watchdog against a server that sends its headers and part of the body, then stays silent with the
/// connection open. Every bound must end the blocked read on its own and close the connection.
/// </summary>
public sealed class ReadWatchdogTests : IAsyncLifetime
{
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan DrainAllowance = TimeSpan.FromSeconds(2);

    private readonly StallingServer _server = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static HttpClient Client(TimeSpan idle)
    {
        var services = new ServiceCollection();
        services.AddReadWatchdog(TimeSpan.FromMinutes(5));
        services.AddHttpClient("stalling").WithReadIdleTimeout(idle);
        return services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>().CreateClient("stalling");
    }

    [Fact]
    public async Task A_body_read_that_ignores_its_token_is_ended_by_the_bound_token_and_the_connection_is_closed()
    {
        using var http = Client(TimeSpan.FromMinutes(1));
        using var budget = new CancellationTokenSource();
        HttpResponseMessage response;
        using (ReadWatchdog.Bind(budget.Token))
        {
            response = await http.GetAsync(_server.Url, HttpCompletionOption.ResponseHeadersRead);
        }

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("{\"first\":1}", await reader.ReadLineAsync()); // the part the server sent
        budget.CancelAfter(TimeSpan.FromMilliseconds(500));
        var clock = Stopwatch.StartNew();
        // why no token: this is how OllamaSharp reads its lines; only the bound token can end the read
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await reader.ReadLineAsync());

        Assert.Equal(budget.Token, ex.CancellationToken);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, Slack);
        await _server.WaitForClosedAsync(Slack);
        response.Dispose();
    }

    [Fact]
    public async Task A_buffered_read_is_ended_by_the_clients_idle_bound_with_a_timeout_and_the_connection_is_closed()
    {
        using var http = Client(TimeSpan.FromMilliseconds(500));

        var clock = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => http.GetAsync(_server.Url));

        Assert.IsType<TimeoutException>(ex is HttpRequestException { InnerException: { } inner } ? inner : ex);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromMilliseconds(500) + Slack);
        await _server.WaitForClosedAsync(Slack);
    }

    [Fact]
    public async Task A_buffered_read_is_ended_by_the_bound_token_as_a_cancellation()
    {
        using var http = Client(TimeSpan.FromMinutes(1));
        using var budget = new CancellationTokenSource(TimeSpan.FromMilliseconds(1500));

        var clock = Stopwatch.StartNew();
        using (ReadWatchdog.Bind(budget.Token))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => http.GetAsync(_server.Url, budget.Token));
        }

        // why budget + Slack: the point is that the 1.5 s token ends the read, not the client's one-minute bound;
        // the old bound (Slack alone) left 0.5 s for a loaded machine and failed a full CI run at 2.05 s
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromMilliseconds(1500) + Slack);
        await _server.WaitForClosedAsync(Slack);
    }

    [Fact]
    public async Task A_synchronous_read_is_ended_by_the_idle_bound()
    {
        using var http = Client(TimeSpan.FromMilliseconds(500));
        using var response = await http.GetAsync(_server.Url, HttpCompletionOption.ResponseHeadersRead);
        using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64];
        var first = stream.Read(buffer);
        Assert.True(first > 0);

        var clock = Stopwatch.StartNew();
        Assert.Throws<TimeoutException>(() => stream.Read(buffer));
        // why + DrainAllowance: a synchronous read cannot take a token, so the timer disposes the stream, and
        // SocketsHttpHandler first tries to drain an unfinished body (ResponseDrainTimeout, 2 s) before closing
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromMilliseconds(500) + DrainAllowance + Slack);
        await _server.WaitForClosedAsync(Slack);
    }

    [Fact]
    public async Task A_body_that_keeps_coming_is_read_whole()
    {
        await using var server = new StallingServer(stall: false);
        using var http = Client(TimeSpan.FromMilliseconds(500));
        var text = await http.GetStringAsync(server.Url);
        Assert.Equal("{\"first\":1}\n{\"second\":2}\n", text);
    }

    /// <summary>
    /// One-connection HTTP/1.1 server on loopback: headers with a Content-Length, the first line of the body, then
    /// silence until the client closes the connection (or, with <c>stall: false</c>, the rest after 100 ms).
    /// </summary>
    private sealed class StallingServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Task _loop;

        public StallingServer(bool stall = true)
        {
            _listener.Start();
            Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
            _loop = ServeAsync(stall);
        }

        public Uri Url { get; }

        public async Task WaitForClosedAsync(TimeSpan within) => await _closed.Task.WaitAsync(within);

        private async Task ServeAsync(bool stall)
        {
            try
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var stream = client.GetStream();
                var request = new byte[4096];
                _ = await stream.ReadAsync(request, _stop.Token);
                const string first = "{\"first\":1}\n";
                const string second = "{\"second\":2}\n";
                var head = "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
                           + $"Content-Length: {first.Length + second.Length}\r\n\r\n{first}";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                if (!stall)
                {
                    await Task.Delay(100, _stop.Token);
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(second), _stop.Token);
                }

                // The client closing the connection ends this read with 0 bytes (or a reset).
                try
                {
                    while (await stream.ReadAsync(request, _stop.Token) > 0)
                    {
                    }
                }
                catch (IOException)
                {
                }

                _closed.TrySetResult();
            }
            catch (OperationCanceledException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _loop;
            _stop.Dispose();
        }
    }
}

/// <summary>Every client's response bodies are capped in size: a peer that streams without end cannot fill memory.</summary>
public sealed class ResponseSizeCapTests
{
    [Fact]
    public async Task A_body_that_never_ends_fails_at_the_cap_and_the_connection_is_closed()
    {
        await using var server = new EndlessServer();
        var services = new ServiceCollection();
        services.AddReadWatchdog(TimeSpan.FromMinutes(1));
        services.AddHttpClient("endless").WithMaxResponseBytes(256 * 1024);
        using var http = services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>().CreateClient("endless");

        var error = await Assert.ThrowsAsync<ServiceDefaults.Http.ResponseTooLargeException>(() => http.GetStringAsync(server.Url));

        Assert.Equal(256 * 1024, error.MaxBytes);
        await server.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        // What the server could push beyond the cap fits in socket buffers: far from the endless body it offered.
        Assert.InRange(server.SentBytes, 256 * 1024, 64L * 1024 * 1024);
    }

    [Fact]
    public async Task The_default_cap_applies_to_every_client_and_is_an_option()
    {
        await using var server = new EndlessServer();
        var services = new ServiceCollection();
        services.AddReadWatchdog(TimeSpan.FromMinutes(1), defaultMaxResponseBytes: 128 * 1024);
        services.AddHttpClient("any");
        using var http = services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>().CreateClient("any");
        using var response = await http.GetAsync(server.Url, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();

        var error = await Assert.ThrowsAsync<ServiceDefaults.Http.ResponseTooLargeException>(() => body.CopyToAsync(Stream.Null));
        Assert.Equal(128 * 1024, error.MaxBytes);
    }

    /// <summary>One-connection HTTP/1.1 server that answers with a chunked body that never ends, until the client closes.</summary>
    private sealed class EndlessServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Task _loop;
        private long _sent;

        public EndlessServer()
        {
            _listener.Start();
            Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
            _loop = ServeAsync();
        }

        public Uri Url { get; }

        public Task Closed => _closed.Task;

        public long SentBytes => Interlocked.Read(ref _sent);

        private async Task ServeAsync()
        {
            try
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var stream = client.GetStream();
                _ = await stream.ReadAsync(new byte[4096], _stop.Token);
                var head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"u8.ToArray();
                await stream.WriteAsync(head, _stop.Token);
                var data = new byte[16 * 1024];
                Array.Fill(data, (byte)'x');
                var chunk = Encoding.ASCII.GetBytes($"{data.Length:x}\r\n").Concat(data).Concat("\r\n"u8.ToArray()).ToArray();
                while (!_stop.IsCancellationRequested)
                {
                    await stream.WriteAsync(chunk, _stop.Token);
                    Interlocked.Add(ref _sent, data.Length);
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // the client closed the connection (or the test ended)
            }
            finally
            {
                _closed.TrySetResult();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _loop;
            _stop.Dispose();
        }
    }
}
