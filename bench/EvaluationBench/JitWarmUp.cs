using System.Globalization;
using System.Text.RegularExpressions;
using BenchFormat;

namespace EvaluationBench;

/// <summary>
/// Warms ChatService and EvaluationService with warm-up runs (the caller's, with an instant LLM) until their JIT settled
/// (<see cref="JitSettle"/>). Each service reports what its JIT compiled as <c>dotnet_jit_compiled_methods_total</c> on
/// <c>/metrics</c> (the .NET runtime meter).
/// </summary>
internal static class JitWarmUp
{
    public static async Task<string> UntilSettledAsync(HttpClient http, IReadOnlyList<ServiceHost> services, Func<int, Task> warmUpRun,
        TimeSpan budget, CancellationToken cancellationToken)
    {
        var outcome = await JitSettle.UntilSettledAsync(ct => CompiledAsync(http, services, ct), warmUpRun, budget, cancellationToken);
        var perService = string.Join(", ",
            services.Select((s, i) => $"{s.Name} {outcome.Compiled[i]} (last run {outcome.CompiledInLastStep[i]})"));
        var seconds = outcome.Elapsed.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture);
        return $"{outcome.Steps} runs in {seconds} s, {outcome.State}; methods compiled during the warm-up: {perService}";
    }

    /// <summary>Each service's compiled-method count from its Prometheus endpoint.</summary>
    public static async Task<long[]> CompiledAsync(HttpClient http, IReadOnlyList<ServiceHost> services,
        CancellationToken cancellationToken)
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
