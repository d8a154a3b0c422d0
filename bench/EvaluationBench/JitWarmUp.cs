using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace EvaluationBench;

/// <summary>
/// Warms ChatService and EvaluationService until their JIT has settled: warm-up runs (the caller's, with an instant LLM)
/// until two in a row make each service compile at most <see cref="SettledMethodsPerRun"/> methods, or the time budget is
/// spent. Each service reports what its JIT compiled as <c>dotnet_jit_compiled_methods_total</c> on <c>/metrics</c> (the
/// .NET runtime meter). On this 2-core machine tiered compilation kept both services compiling for thousands of chat
/// turns; a run measured earlier timed the JIT beside half-cold services instead of the running ones.
/// </summary>
internal static class JitWarmUp
{
    public const int SettledMethodsPerRun = 50;

    public static async Task<string> UntilSettledAsync(IReadOnlyList<ServiceHost> services, Func<int, Task> warmUpRun, TimeSpan budget,
        CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var started = Stopwatch.GetTimestamp();
        var first = await CompiledAsync(http, services, cancellationToken);
        var last = first;
        var (runs, settledInARow) = (0, 0);
        long[] lastRun = [];
        while (settledInARow < 2 && Stopwatch.GetElapsedTime(started) < budget)
        {
            await warmUpRun(runs++);
            var now = await CompiledAsync(http, services, cancellationToken);
            lastRun = now.Zip(last, (a, b) => a - b).ToArray();
            settledInARow = lastRun.All(m => m <= SettledMethodsPerRun) ? settledInARow + 1 : 0;
            last = now;
        }

        var perService = string.Join(", ", services.Select((s, i) => $"{s.Name} {last[i] - first[i]} (last run {lastRun.ElementAtOrDefault(i)})"));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds.ToString("F0", CultureInfo.InvariantCulture);
        return $"{runs} runs in {seconds} s, {(settledInARow >= 2 ? "settled" : "NOT settled within the budget")}; "
            + $"methods compiled during the warm-up: {perService}";
    }

    /// <summary>Each service's compiled-method count from its Prometheus endpoint.</summary>
    public static async Task<long[]> CompiledAsync(HttpClient http, IReadOnlyList<ServiceHost> services, CancellationToken cancellationToken)
    {
        var counts = new long[services.Count];
        for (var i = 0; i < services.Count; i++)
        {
            var text = await http.GetStringAsync(new Uri(services[i].BaseAddress, "metrics"), cancellationToken);
            // why: a sample line is the name, maybe labels, the value and maybe a timestamp
            var match = Regex.Match(text, @"^dotnet_jit_compiled_methods_total(?:\{[^}]*\})?\s+(\S+)", RegexOptions.Multiline);
            counts[i] = match.Success
                ? (long)double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
                : throw new InvalidOperationException($"{services[i].Name} /metrics has no dotnet_jit_compiled_methods_total");
        }

        return counts;
    }
}
