using EvaluationService.Scoring;

namespace EvaluationService.Apis;

/// <summary><c>GET /api/evaluations/{id}</c>: status is queued, running, succeeded, failed, cancelled or timed_out.</summary>
public sealed record RunView(
    Guid Id,
    Guid SuiteId,
    string SuiteName,
    string Status,
    ProgressView Progress,
    RunOptionsView Options,
    Guid? BaselineId,
    RunSummary? Summary,
    bool CancelRequested,
    string? ErrorCode,
    string? ErrorMessage,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt);
