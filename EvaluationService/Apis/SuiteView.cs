using System.Text.Json;

namespace EvaluationService.Apis;

public sealed record SuiteView(Guid Id, string Name, string? Description, string Status, string Origin, int CaseCount,
    DateTimeOffset CreatedAt, JsonElement? GenerationReport, IReadOnlyList<CaseView>? Cases);
