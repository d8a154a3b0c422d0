namespace EvaluationService.Scoring;

/// <summary>
/// The scores of one answer; null where the case gives nothing to compare with (or the scorer gave nothing):
/// <paramref name="SemanticSimilarity"/> from <see cref="SemanticScorer"/>, <paramref name="JudgeCorrectness"/> (1–5)
/// from the judge.
/// </summary>
public sealed record CaseScores(double? KeywordRecall, double? TokenF1, double? SourceRecall, int CitationCount,
    double? SemanticSimilarity = null, int? JudgeCorrectness = null);
