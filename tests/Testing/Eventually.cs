using System.Diagnostics;

namespace Testing;

/// <summary>
/// Waits for a condition with a deadline instead of sleeping. The condition is polled (20 ms, backing off to
/// 200 ms); an exception from it counts as "not yet" and is attached to the timeout failure. A condition
/// that hangs is abandoned at the deadline.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan MaxPoll = TimeSpan.FromMilliseconds(200);

    /// <exception cref="TimeoutException">The condition was not true within <paramref name="timeout"/>; the message says
    /// <paramref name="because"/>.</exception>
    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string because,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return UntilAsync(_ => condition(), timeout, because, cancellationToken);
    }

    /// <summary>Same, for a synchronous condition.</summary>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string because, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return UntilAsync(_ => Task.FromResult(condition()), timeout, because, cancellationToken);
    }

    /// <summary>Same; the condition gets a token that is cancelled at the deadline.</summary>
    public static async Task UntilAsync(Func<CancellationToken, Task<bool>> condition, TimeSpan timeout, string because,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        await UntilAsync(async ct => await condition(ct), ok => ok, timeout, because, cancellationToken);
    }

    /// <summary>Polls <paramref name="probe"/> until <paramref name="accept"/> holds for its result, and returns that result.</summary>
    public static async Task<T> UntilAsync<T>(
        Func<CancellationToken, Task<T>> probe,
        Func<T, bool> accept,
        TimeSpan timeout,
        string because,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(accept);
        var stopwatch = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var poll = FirstPoll;
        Exception? lastError = null;
        var lastValue = "(never evaluated)";
        var attempts = 0;
        while (true)
        {
            attempts++;
            try
            {
                var value = await probe(deadline.Token).WaitAsync(deadline.Token);
                if (accept(value))
                {
                    return value;
                }

                lastValue = value?.ToString() ?? "null";
                lastError = null;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && !deadline.IsCancellationRequested)
            {
                lastError = e;
                lastValue = $"threw {e.GetType().Name}";
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // The deadline passed while the probe ran.
                if (e is not OperationCanceledException)
                {
                    lastError = e;
                    lastValue = $"threw {e.GetType().Name}";
                }

                break;
            }

            try
            {
                await Task.Delay(poll, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break;
            }

            poll = TimeSpan.FromTicks(Math.Min(poll.Ticks * 2, MaxPoll.Ticks));
        }

        throw new TimeoutException(
            $"Not true within {timeout.TotalSeconds:0.###} s ({attempts} attempts in {stopwatch.Elapsed.TotalSeconds:0.###} s): " +
            $"{because}. " +
            $"Last result: {lastValue}" + (lastError is null ? "." : $": {lastError.Message}"),
            lastError);
    }
}
