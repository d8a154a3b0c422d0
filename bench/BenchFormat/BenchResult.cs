using System.Text.Json;

namespace BenchFormat;

/// <summary>What a bench program writes with <c>--json FILE</c>; <c>bench/Report</c> reads it.</summary>
public sealed record BenchResult(string Program, DateTimeOffset StartedAt, IReadOnlyList<Figure> Figures, IReadOnlyDictionary<string, string> Environment)
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerOptions.Web) { WriteIndented = true };

    /// <summary>Writes the result; figures that could not be measured (NaN) are left out, since JSON has no NaN.</summary>
    public async Task WriteAsync(string path, CancellationToken cancellationToken)
    {
        static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
        var measured = this with
        {
            Figures = Figures.Where(f => double.IsFinite(f.Value)).Select(f => f with { P50Ms = Finite(f.P50Ms), P99Ms = Finite(f.P99Ms) }).ToList(),
        };
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(measured, Options), cancellationToken);
    }
}
