namespace EvaluationService.Scoring;

/// <summary>Latency percentiles in milliseconds (nearest rank) over cases that got an answer.</summary>
public sealed record LatencySummary(int Count, double? P50, double? P95, double? P99, double? Max);
