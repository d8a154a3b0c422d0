namespace EvaluationService.Scoring;

/// <summary>
/// Summary of a run. Pass rate and mean scores cover answered cases only (passed + failed); system errors and
/// timeouts are counted separately. Judge means cover cases the judge scored; judge failures are counted, never zeroed.
/// </summary>
public sealed record RunSummary(
    int Total,
    int Finished,
    IReadOnlyDictionary<string, int> Outcomes,
    double? PassRate,
    double? MeanKeywordRecall,
    double? MeanTokenF1,
    double? MeanSourceRecall,
    double? CitationRate,
    LatencySummary Latency,
    LatencySummary FirstToken,
    double? MeanJudgeGroundedness,
    double? MeanJudgeCorrectness,
    int JudgeScored,
    int JudgeFailed,
    double? MeanCaseF1Variance,
    double? MeanSemanticSimilarity);
