using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EvaluationService.Tests.Fakes;

/// <summary>A remote double of DistributorService's <c>POST /api/events</c> on a fixed loopback port, startable late.</summary>
public sealed class FakeDistributor : IAsyncDisposable
{
    private readonly ConcurrentQueue<(string Type, string IdempotencyKey, JsonElement Payload)> _accepted = new();
    private WebApplication? _app;
    private int _failuresLeft;

    public FakeDistributor(int port) => Port = port;

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public IReadOnlyList<(string Type, string IdempotencyKey, JsonElement Payload)> Accepted => _accepted.ToArray();

    public int Rejected { get; private set; }

    /// <summary>Starts listening; the first <paramref name="failFirst"/> requests are answered 503.</summary>
    public async Task StartAsync(int failFirst = 0, CancellationToken cancellationToken = default)
    {
        _failuresLeft = failFirst;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(BaseAddress.ToString());
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/api/events", async (HttpContext context) =>
        {
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                Rejected++;
                return Results.StatusCode(503);
            }

            using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            var root = body.RootElement;
            _accepted.Enqueue((root.GetProperty("type").GetString()!, root.GetProperty("idempotencyKey").GetString()!,
                root.GetProperty("payload").Clone()));
            return Results.Accepted();
        });
        await _app.StartAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _app.StopAsync(stop.Token);
            await _app.DisposeAsync();
        }
    }
}
