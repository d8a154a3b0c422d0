namespace EvaluationService.Scoring;

/// <summary>The deterministic scores of one answer; null where the case gives nothing to compare with.</summary>
public sealed record CaseScores(double? KeywordRecall, double? TokenF1, double? SourceRecall, int CitationCount);
