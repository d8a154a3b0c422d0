using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace AppHost.Tests;

/// <summary>
/// A local run picks ChatService's embedding provider by asking Ollama for the embedding model: present → Ollama;
/// absent, not Ollama, or nothing listening → the in-process model.
/// </summary>
public sealed class OllamaProbeTests
{
    [Theory]
    [InlineData("nomic-embed-text", true)]
    [InlineData("nomic-embed-text:latest", true)]
    [InlineData("all-minilm", false)]
    public async Task The_model_is_found_only_when_ollama_lists_it(string model, bool expected)
    {
        await using var server = await TagsServer.StartAsync("""{"models":[{"name":"nomic-embed-text:latest"},{"name":"llama3.2:1b"}]}""");
        Assert.Equal(expected, await OllamaProbe.HasModelAsync(server.Endpoint, model, TimeSpan.FromSeconds(5), CancellationToken.None));
    }

    [Fact]
    public async Task A_server_that_is_not_ollama_has_no_model()
    {
        await using var server = await TagsServer.StartAsync("""{"status":"ok"}""");
        Assert.False(await OllamaProbe.HasModelAsync(server.Endpoint, "nomic-embed-text", TimeSpan.FromSeconds(5), CancellationToken.None));
    }

    [Fact]
    public async Task Nothing_listening_has_no_model()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)socket.LocalEndPoint!).Port; // bound, never listening: connections are refused
        Assert.False(await OllamaProbe.HasModelAsync(new Uri($"http://127.0.0.1:{port}/"), "nomic-embed-text",
            TimeSpan.FromSeconds(5), CancellationToken.None));
    }

    /// <summary>Answers every request with the given JSON (a stand-in for Ollama's <c>/api/tags</c>).</summary>
    private sealed class TagsServer : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly Task _loop;
        private readonly CancellationTokenSource _stop = new();

        private TagsServer(TcpListener listener, string json)
        {
            _listener = listener;
            _loop = ServeAsync(json);
        }

        public Uri Endpoint => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

        public static Task<TagsServer> StartAsync(string json)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return Task.FromResult(new TagsServer(listener, json));
        }

        private async Task ServeAsync(string json)
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    await using var stream = client.GetStream();
                    var buffer = new byte[4096];
                    _ = await stream.ReadAsync(buffer, _stop.Token);
                    var body = Encoding.UTF8.GetBytes(json);
                    var head = Encoding.ASCII.GetBytes(
                        $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                    await stream.WriteAsync(head, _stop.Token);
                    await stream.WriteAsync(body, _stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // stopped
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _loop.ContinueWith(_ => { }, TaskScheduler.Default);
            _stop.Dispose();
        }
    }
}
