using System.Globalization;
using BenchFormat;

namespace ChatBench;

/// <summary>
/// CPU time of each party of a scenario, read before and after it: this process (ChatService, the in-process simulator
/// and the client), Chroma, PostgreSQL (with its backends) and Redis. Divided by the scenario's requests it says what one
/// request costs the machine, which bounds how fast any scenario can go on its cores.
/// </summary>
internal sealed class CpuSplit(int? chroma, int? postgres, int? redis)
{
    public Sample Take()
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return new(process.TotalProcessorTime.TotalSeconds, chroma is { } c ? ProcessCpu.TreeSeconds(c) : 0,
            postgres is { } p ? ProcessCpu.TreeSeconds(p) : 0, redis is { } r ? ProcessCpu.Seconds(r) : 0);
    }

    public sealed record Sample(double Bench, double Chroma, double Postgres, double Redis)
    {
        /// <summary>Milliseconds of CPU per request since <paramref name="before"/>.</summary>
        public PerRequest Since(Sample before, int requests) => new(
            (Bench - before.Bench) * 1000 / requests, (Chroma - before.Chroma) * 1000 / requests,
            (Postgres - before.Postgres) * 1000 / requests, (Redis - before.Redis) * 1000 / requests);
    }

    public sealed record PerRequest(double BenchMs, double ChromaMs, double PostgresMs, double RedisMs)
    {
        public double TotalMs => BenchMs + ChromaMs + PostgresMs + RedisMs;

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{TotalMs:F2} ms: this process {BenchMs:F2}, Chroma {ChromaMs:F2}, PostgreSQL {PostgresMs:F2}, Redis {RedisMs:F2}");
    }
}
