using System.Globalization;

namespace Ceilings;

/// <summary>Arguments (environment variables as fallbacks, so bench/run-all.sh can pass its dependencies once).</summary>
public sealed record CommandLine(string? JsonPath, int DurationSeconds, string? Postgres, string? Redis, string? Ollama, int SimLatencyMs)
{
    public static CommandLine Parse(string[] args)
    {
        string? Arg(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }

        static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

        return new CommandLine(
            Arg("--json"),
            int.Parse(Arg("--duration") ?? "5", CultureInfo.InvariantCulture),
            Arg("--postgres") ?? Env("BENCH_POSTGRES"),
            Arg("--redis") ?? Env("BENCH_REDIS"),
            Arg("--ollama") ?? Env("BENCH_OLLAMA"),
            int.Parse(Arg("--sim-latency-ms") ?? Env("BENCH_SIM_LATENCY_MS") ?? "0", CultureInfo.InvariantCulture));
    }
}
