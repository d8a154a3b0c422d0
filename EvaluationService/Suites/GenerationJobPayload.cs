namespace EvaluationService.Suites;

/// <summary>Payload of a job on the <c>suite-generation</c> queue.</summary>
public sealed record GenerationJobPayload(Guid SuiteId, string Owner, IReadOnlyList<string> DocumentIds, int Count)
{
    public const string Queue = "suite-generation";
}
