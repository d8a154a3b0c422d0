using System.Collections.Concurrent;

namespace DurableJobs.Tests.Infrastructure;

/// <summary>What handlers saw: every attempt per job, completions, and the highest number running at once.</summary>
public sealed class JobLedger
{
    private readonly ConcurrentDictionary<Guid, ConcurrentQueue<(int Attempt, string Host)>> _attempts = new();
    private readonly ConcurrentDictionary<Guid, int> _completions = new();
    private int _running;
    private int _maxRunning;
    private int _completed;

    public int Completed => Volatile.Read(ref _completed);

    public int MaxRunning => Volatile.Read(ref _maxRunning);

    public IReadOnlyDictionary<Guid, int> Completions => _completions;

    public IReadOnlyList<(int Attempt, string Host)> AttemptsOf(Guid id) =>
        _attempts.TryGetValue(id, out var attempts) ? [.. attempts] : [];

    /// <summary>Records the start of an attempt and counts it as running until the returned scope ends.</summary>
    public IDisposable Enter(JobContext job, string host)
    {
        _attempts.GetOrAdd(job.JobId, _ => new ConcurrentQueue<(int, string)>()).Enqueue((job.Attempt, host));
        var now = Interlocked.Increment(ref _running);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxRunning)) && Interlocked.CompareExchange(ref _maxRunning, now, seen) != seen)
        {
        }

        return new Exit(this);
    }

    public void Complete(JobContext job)
    {
        _completions.AddOrUpdate(job.JobId, 1, (_, n) => n + 1);
        Interlocked.Increment(ref _completed);
    }

    private sealed class Exit(JobLedger ledger) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                Interlocked.Decrement(ref ledger._running);
            }
        }
    }
}
