namespace EvaluationService.Reports;

public sealed record BaselineComparison(
    Guid BaselineId,
    string BaselineStatus,
    IReadOnlyList<MetricDelta> Metrics,
    IReadOnlyList<CaseChange> Regressions,
    IReadOnlyList<CaseChange> Improvements);
