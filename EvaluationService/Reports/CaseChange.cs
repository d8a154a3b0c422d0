namespace EvaluationService.Reports;

/// <summary>A case whose result moved against the baseline (matched by question text).</summary>
public sealed record CaseChange(
    string Question,
    double? BaselinePassRate,
    double? CurrentPassRate,
    double? BaselineTokenF1,
    double? CurrentTokenF1,
    string Reason);
