using System.Text.Json.Serialization;

namespace Report;

/// <summary>One program's result file; program and figures are required.</summary>
public sealed record BenchResult(
    [property: JsonRequired] string Program,
    DateTimeOffset? StartedAt,
    [property: JsonRequired] IReadOnlyList<Figure> Figures,
    IReadOnlyDictionary<string, string>? Environment);
