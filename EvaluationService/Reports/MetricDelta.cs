namespace EvaluationService.Reports;

/// <summary>A summary metric of this run against the baseline (delta = current − baseline).</summary>
public sealed record MetricDelta(string Metric, double? Current, double? Baseline, double? Delta, bool HigherIsBetter);
