using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace OllamaSimulator;

/// <summary>
/// An in-process Ollama simulator on a real loopback port (Kestrel, not TestServer), so clients use real sockets,
/// timeouts and disconnects. Start one per test or per fixture; switch faults at any time through <see cref="Faults"/>.
/// </summary>
public sealed class OllamaSimulatorServer : IAsyncDisposable
{
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(5);

    private readonly WebApplication app;
    private readonly SimulatorState state;

    private OllamaSimulatorServer(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        state = app.Services.GetRequiredService<SimulatorState>();
        Options = app.Services.GetRequiredService<SimulatorOptions>();
        BaseAddress = baseAddress;
    }

    /// <summary>Root URL with a trailing slash, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    public SimulatorOptions Options { get; }

    public SimulatorFaults Faults => state.Faults;

    /// <summary>Requests received on /api/chat and /api/generate (with a parseable body).</summary>
    public int ChatRequests => state.ChatRequests;

    /// <summary>Requests received on /api/embed and /api/embeddings (with a parseable body).</summary>
    public int EmbedRequests => state.EmbedRequests;

    /// <summary>Model requests that ended because the client disconnected before the answer was complete.</summary>
    public int CancelledRequests => state.CancelledRequests;

    public int InFlight => state.InFlight;

    public int MaxConcurrentObserved => state.MaxConcurrentObserved;

    /// <summary>Snapshot of everything received on the model endpoints, oldest first.</summary>
    public IReadOnlyList<ReceivedRequest> Requests => state.Requests;

    public static async Task<OllamaSimulatorServer> StartAsync(SimulatorOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var app = SimulatorApp.Build([], options ?? new SimulatorOptions(), onFreeLoopbackPort: true);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new OllamaSimulatorServer(app, new Uri(address));
    }

    public SimulatorStats GetStats() => state.Stats();

    /// <summary>Clears faults, counters and recorded requests (requests in flight keep running).</summary>
    public void Reset() => state.Reset();

    public Task ResetAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        state.Reset();
        return Task.CompletedTask;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, re-checking whenever a counter changes.</summary>
    /// <exception cref="TimeoutException">The condition did not hold within <paramref name="timeout"/>.</exception>
    public Task WaitUntilAsync(Func<OllamaSimulatorServer, bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return state.WaitUntilAsync(() => condition(this), timeout, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        using var bound = new CancellationTokenSource(StopBound);
        await app.StopAsync(bound.Token);
        await app.DisposeAsync();
    }
}
