namespace EvaluationService.Runs;

/// <summary>Payload of a job on the <c>evaluations</c> queue.</summary>
public sealed record RunJobPayload(Guid RunId)
{
    public const string Queue = "evaluations";
}
