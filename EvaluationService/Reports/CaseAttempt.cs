using EvaluationService.Chat;

namespace EvaluationService.Reports;

/// <summary>One repetition of a case as it appears in a report.</summary>
public sealed record CaseAttempt(
    int Repetition,
    string Outcome,
    string? Answer,
    IReadOnlyList<ChatCitation> Citations,
    double? KeywordRecall,
    double? TokenF1,
    double? SourceRecall,
    int CitationCount,
    double LatencyMs,
    double? FirstTokenMs,
    int? JudgeGroundedness,
    int? JudgeCorrectness,
    string? JudgeError,
    string? ErrorCode,
    string? ErrorMessage,
    double? SemanticSimilarity);
