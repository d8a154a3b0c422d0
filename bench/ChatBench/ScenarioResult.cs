using System.Globalization;

namespace ChatBench;

/// <summary>One scenario's outcome: throughput and latency percentiles.</summary>
internal sealed record ScenarioResult(string Name, int Count, double PerSecond, double P50Ms, double P95Ms, double P99Ms, int Errors)
{
    /// <summary>The markdown table row the text output prints.</summary>
    public string Row() => string.Create(CultureInfo.InvariantCulture,
        $"| {Name} | {Count} | {PerSecond:F1} | {P50Ms:F1} | {P99Ms:F1} | {Errors} |");
}
