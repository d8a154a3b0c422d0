namespace EvaluationService.Scoring;

/// <summary>Judge scores on 1–5, or the reason the judge could not score (never turned into a zero).</summary>
public sealed record JudgeVerdict(int? Groundedness, int? Correctness, string? Error);
