using System.ComponentModel.DataAnnotations;
namespace EvaluationService.Apis;

/// <summary>A case in <c>POST /api/suites</c> and in each JSON Lines import line.</summary>
public sealed record CaseInput(
    [MaxLength(4_000)] string? Question,
    [MaxLength(8_000)] string? ExpectedAnswer = null,
    IReadOnlyList<string>? ExpectedKeywords = null,
    IReadOnlyList<string>? ExpectedSources = null,
    IReadOnlyList<string>? Tags = null);
