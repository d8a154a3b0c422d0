using System.Text.Json.Serialization;

namespace Report;

/// <summary>A figure as the bench programs write it (bench/README.md "JSON convention"); name, value and unit are required.</summary>
public sealed record Figure(
    [property: JsonRequired] string Name,
    [property: JsonRequired] double Value,
    [property: JsonRequired] string Unit,
    string? Ceiling = null,
    string? Notes = null,
    double? P50Ms = null,
    double? P99Ms = null);
