using System.ComponentModel.DataAnnotations;
namespace EvaluationService.Apis;

public sealed record CreateSuiteRequest([MaxLength(200)] string? Name, [MaxLength(2_000)] string? Description,
    IReadOnlyList<CaseInput>? Cases);
