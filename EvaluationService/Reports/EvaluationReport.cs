using EvaluationService.Scoring;

namespace EvaluationService.Reports;

/// <summary><c>GET /api/evaluations/{id}/report</c>.</summary>
public sealed record EvaluationReport(
    Guid RunId,
    Guid SuiteId,
    string SuiteName,
    string Status,
    string? ErrorCode,
    string? ErrorMessage,
    int Parallelism,
    int CaseTimeoutSeconds,
    int RunTimeoutSeconds,
    int Repetitions,
    RunSummary Summary,
    IReadOnlyList<TagStat> ByTag,
    IReadOnlyList<CaseRow> Cases,
    BaselineComparison? Baseline,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt);
