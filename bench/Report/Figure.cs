namespace Report;

/// <summary>A figure as the bench programs write it (bench/README.md "JSON convention").</summary>
public sealed record Figure(string Name, double Value, string Unit, string? Ceiling = null, string? Notes = null, double? P50Ms = null, double? P99Ms = null);
