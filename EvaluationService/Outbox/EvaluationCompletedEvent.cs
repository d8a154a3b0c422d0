using EvaluationService.Scoring;

namespace EvaluationService.Outbox;

/// <summary>Payload of <c>evaluation.completed</c>.</summary>
public sealed record EvaluationCompletedEvent(
    Guid RunId,
    Guid SuiteId,
    string SuiteName,
    string Owner,
    string Status,
    RunSummary Summary,
    string ReportUrl,
    string HtmlReportUrl,
    DateTimeOffset FinishedAt);
