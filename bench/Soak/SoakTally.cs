using System.Collections.Concurrent;

namespace Soak;

/// <summary>Outcome counts of the run, by request kind and status.</summary>
public sealed class SoakTally
{
    private readonly ConcurrentDictionary<string, long> _counts = new();
    private long _poolExhaustion;
    private long _hung;
    private long _done;

    public long Done => Interlocked.Read(ref _done);

    public long PoolExhaustion => Interlocked.Read(ref _poolExhaustion);

    public long Hung => Interlocked.Read(ref _hung);

    public void Record(string kind, int status, string? problemCode)
    {
        _counts.AddOrUpdate($"{kind} {status}{(problemCode is null ? "" : " " + problemCode)}", 1, (_, n) => n + 1);
        if (status >= 500 && problemCode == "DEPENDENCY_UNAVAILABLE")
        {
            Interlocked.Increment(ref _poolExhaustion);
        }

        Interlocked.Increment(ref _done);
    }

    public void RecordHung(string kind)
    {
        _counts.AddOrUpdate($"{kind} HUNG (client timeout)", 1, (_, n) => n + 1);
        Interlocked.Increment(ref _hung);
        Interlocked.Increment(ref _done);
    }

    public IEnumerable<KeyValuePair<string, long>> Counts => _counts.OrderBy(kv => kv.Key, StringComparer.Ordinal);
}
