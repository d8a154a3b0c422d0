namespace EvaluationService.Apis;

public sealed record CreateEvaluationRequest(
    Guid SuiteId,
    int? MaxCases = null,
    int? Parallelism = null,
    int? CaseTimeoutSeconds = null,
    int? RunTimeoutSeconds = null,
    int? Repetitions = null,
    Guid? BaselineId = null);
