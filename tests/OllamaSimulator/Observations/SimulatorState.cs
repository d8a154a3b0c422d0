using System.Collections.Concurrent;

namespace OllamaSimulator;

/// <summary>Counters and recorded requests, shared by all request handlers.</summary>
internal sealed class SimulatorState(TimeProvider timeProvider, IHostApplicationLifetime lifetime)
{
    private readonly ConcurrentQueue<ReceivedRequest> requests = new();
    private readonly ChangeSignal signal = new();
    private int chatRequests;
    private int embedRequests;
    private int cancelledRequests;
    private int inFlight;
    private int maxConcurrent;

    public SimulatorFaults Faults { get; } = new();

    public int ChatRequests => Volatile.Read(ref chatRequests);

    public int EmbedRequests => Volatile.Read(ref embedRequests);

    public int CancelledRequests => Volatile.Read(ref cancelledRequests);

    public int InFlight => Volatile.Read(ref inFlight);

    public int MaxConcurrentObserved => Volatile.Read(ref maxConcurrent);

    public IReadOnlyList<ReceivedRequest> Requests => [.. requests];

    public SimulatorStats Stats() =>
        new(ChatRequests, EmbedRequests, CancelledRequests, InFlight, MaxConcurrentObserved, requests.Count);

    public void Record(ReceivedRequest request)
    {
        requests.Enqueue(request);
        if (request.Endpoint is "chat" or "generate")
        {
            Interlocked.Increment(ref chatRequests);
        }
        else
        {
            Interlocked.Increment(ref embedRequests);
        }

        signal.Pulse();
    }

    /// <summary>
    /// Runs a model request with in-flight accounting. A request whose client went away is counted as
    /// cancelled; the simulator's own connection cut is not, because it returns without observing the token.
    /// </summary>
    public async Task TrackAsync(HttpContext context, Func<CancellationToken, Task> handle)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var current = Interlocked.Increment(ref inFlight);
        RaiseMax(current);
        signal.Pulse();
        try
        {
            await handle(linked.Token);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            if (context.RequestAborted.IsCancellationRequested)
            {
                Interlocked.Increment(ref cancelledRequests);
            }
        }
        finally
        {
            Interlocked.Decrement(ref inFlight);
            signal.Pulse();
        }
    }

    public void Reset()
    {
        Faults.Clear();
        requests.Clear();
        Volatile.Write(ref chatRequests, 0);
        Volatile.Write(ref embedRequests, 0);
        Volatile.Write(ref cancelledRequests, 0);
        Volatile.Write(ref maxConcurrent, InFlight);
        signal.Pulse();
    }

    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        while (true)
        {
            var next = signal.NextChange;
            if (condition())
            {
                return;
            }

            try
            {
                await next.WaitAsync(linked.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Condition not met within {timeout}; simulator stats: {Stats()}.");
            }
        }
    }

    private void RaiseMax(int candidate)
    {
        var seen = Volatile.Read(ref maxConcurrent);
        while (candidate > seen)
        {
            var previous = Interlocked.CompareExchange(ref maxConcurrent, candidate, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
