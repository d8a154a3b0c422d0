namespace EvaluationService.Reports;

/// <summary>A case of the suite with its repetitions; pass rate and means cover answered repetitions only.</summary>
public sealed record CaseRow(
    Guid CaseId,
    int Ordinal,
    string Question,
    string? ExpectedAnswer,
    IReadOnlyList<string> ExpectedKeywords,
    IReadOnlyList<string> ExpectedSources,
    IReadOnlyList<string> Tags,
    int Attempts,
    int Answered,
    double? PassRate,
    double? MeanTokenF1,
    double? TokenF1Variance,
    double? MeanLatencyMs,
    IReadOnlyList<CaseAttempt> Repetitions,
    double? MeanKeywordRecall,
    double? MeanSemanticSimilarity,
    double? MeanJudgeCorrectness);
