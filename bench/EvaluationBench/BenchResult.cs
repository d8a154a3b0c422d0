namespace EvaluationBench;

/// <summary>The file written with <c>--json</c>.</summary>
internal sealed record BenchResult(string Program, DateTimeOffset StartedAt, IReadOnlyList<Figure> Figures, IReadOnlyDictionary<string, string> Environment);
