using System.ComponentModel.DataAnnotations;
namespace EvaluationService.Apis;

public sealed record GenerateSuiteRequest(IReadOnlyList<string>? DocumentIds, int? Count, [MaxLength(200)] string? Name = null,
    [MaxLength(2_000)] string? Description = null);
