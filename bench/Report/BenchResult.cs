namespace Report;

/// <summary>One program's result file.</summary>
public sealed record BenchResult(string Program, DateTimeOffset? StartedAt, IReadOnlyList<Figure> Figures, IReadOnlyDictionary<string, string>? Environment);
