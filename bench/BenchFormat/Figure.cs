namespace BenchFormat;

/// <summary>One measured figure, in the shape every bench program writes (bench/README.md "JSON convention").</summary>
public sealed record Figure(string Name, double Value, string Unit, string? Ceiling = null, string? Notes = null, double? P50Ms = null, double? P99Ms = null);
