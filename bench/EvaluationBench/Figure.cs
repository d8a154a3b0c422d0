namespace EvaluationBench;

/// <summary>One measured figure (bench/README.md "Convention for bench programs").</summary>
internal sealed record Figure(string Name, double Value, string Unit, string? Ceiling = null, string? Notes = null, double? P50Ms = null, double? P99Ms = null);
