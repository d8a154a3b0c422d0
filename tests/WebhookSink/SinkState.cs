using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace WebhookSink;

/// <summary>Recorded requests, behaviours and counters shared by the handlers and the public API.</summary>
internal sealed class SinkState(TokenIssuer tokens, TimeProvider timeProvider)
{
    private readonly ConcurrentQueue<RecordedRequest> requests = new();
    private readonly ConcurrentQueue<RecordedRequest> tokenRequests = new();
    private readonly ConcurrentDictionary<string, BehaviorRule> rules = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, StrongBox<int>> succeeded = new(StringComparer.OrdinalIgnoreCase);
    private readonly ChangeSignal signal = new();
    private BehaviorRule defaultRule = new(SinkBehavior.Default);
    private int cancelled;
    private int inFlight;
    private int maxConcurrent;

    public TokenIssuer Tokens => tokens;

    public TimeProvider Time => timeProvider;

    public IReadOnlyList<RecordedRequest> Requests => [.. requests];

    public IReadOnlyList<RecordedRequest> TokenRequests => [.. tokenRequests];

    public int CancelledRequests => Volatile.Read(ref cancelled);

    private long tokenBytesSent;

    /// <summary>Bytes of padded token responses the sink managed to write (the client stopped reading when this is far below the
    /// padding).</summary>
    public long TokenResponseBytesSent => Interlocked.Read(ref tokenBytesSent);

    public void AddTokenBytesSent(long bytes) => Interlocked.Add(ref tokenBytesSent, bytes);

    public int InFlight => Volatile.Read(ref inFlight);

    public int MaxConcurrentObserved => Volatile.Read(ref maxConcurrent);

    public SinkStats Stats() => new(requests.Count, tokenRequests.Count, CancelledRequests, InFlight, MaxConcurrentObserved);

    public BehaviorRule RuleFor(string path) => rules.TryGetValue(path, out var rule) ? rule : Volatile.Read(ref defaultRule);

    /// <summary>Sets the behaviour of one path, or of every path without its own when <paramref name="path"/> is null.</summary>
    public void SetBehavior(string? path, SinkBehavior behavior)
    {
        ArgumentNullException.ThrowIfNull(behavior);
        if (path is null)
        {
            Volatile.Write(ref defaultRule, new BehaviorRule(behavior));
        }
        else
        {
            rules[path] = new BehaviorRule(behavior);
        }
    }

    /// <summary>Requests to <paramref name="path"/> answered 2xx so far: a counter, not a copy of the recorded requests.</summary>
    public int SucceededTo(string path) => succeeded.TryGetValue(path, out var count) ? Volatile.Read(ref count.Value) : 0;

    public void Record(RecordedRequest request)
    {
        requests.Enqueue(request);
        if (request.ResponseStatus is >= 200 and < 300)
        {
            Interlocked.Increment(ref succeeded.GetOrAdd(request.Path, _ => new StrongBox<int>()).Value);
        }

        signal.Pulse();
    }

    public void RecordTokenRequest(RecordedRequest request)
    {
        tokenRequests.Enqueue(request);
        signal.Pulse();
    }

    /// <summary>Runs a handler with in-flight accounting; a client that disconnects while the sink waits counts as cancelled.</summary>
    public async Task TrackAsync(HttpContext context, Func<CancellationToken, Task> handle, CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        RaiseMax(Interlocked.Increment(ref inFlight));
        signal.Pulse();
        try
        {
            await handle(linked.Token);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            if (context.RequestAborted.IsCancellationRequested)
            {
                Interlocked.Increment(ref cancelled);
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
        requests.Clear();
        succeeded.Clear();
        tokenRequests.Clear();
        rules.Clear();
        tokens.Reset();
        Volatile.Write(ref defaultRule, new BehaviorRule(SinkBehavior.Default));
        Volatile.Write(ref cancelled, 0);
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
                throw new TimeoutException($"Condition not met within {timeout}; sink stats: {Stats()}.");
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
