namespace EvaluationService.Apis;

public sealed record CaseView(Guid Id, int Ordinal, string Question, string? ExpectedAnswer, IReadOnlyList<string> ExpectedKeywords,
    IReadOnlyList<string> ExpectedSources, IReadOnlyList<string> Tags);
