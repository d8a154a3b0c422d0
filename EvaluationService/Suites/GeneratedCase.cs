namespace EvaluationService.Suites;

/// <summary>What the LLM proposes for one chunk.</summary>
public sealed record GeneratedCase(string? Question, string? Answer, string? Quote);
