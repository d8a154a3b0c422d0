namespace Ceilings;

/// <summary>The file a bench program writes with <c>--json</c>.</summary>
public sealed record BenchResult(string Program, DateTimeOffset StartedAt, IReadOnlyList<Figure> Figures, IReadOnlyDictionary<string, string> Environment);
