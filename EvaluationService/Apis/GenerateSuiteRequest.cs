namespace EvaluationService.Apis;

public sealed record GenerateSuiteRequest(IReadOnlyList<string>? DocumentIds, int? Count, string? Name = null, string? Description = null);
