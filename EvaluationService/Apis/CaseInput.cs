namespace EvaluationService.Apis;

/// <summary>A case in <c>POST /api/suites</c> and in each JSON Lines import line.</summary>
public sealed record CaseInput(
    string? Question,
    string? ExpectedAnswer = null,
    IReadOnlyList<string>? ExpectedKeywords = null,
    IReadOnlyList<string>? ExpectedSources = null,
    IReadOnlyList<string>? Tags = null);
