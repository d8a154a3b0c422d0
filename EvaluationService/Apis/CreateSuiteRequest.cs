namespace EvaluationService.Apis;

public sealed record CreateSuiteRequest(string? Name, string? Description, IReadOnlyList<CaseInput>? Cases);
