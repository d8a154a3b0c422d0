namespace EvaluationService.Apis;

public sealed record RunOptionsView(int MaxCases, int Parallelism, int CaseTimeoutSeconds, int RunTimeoutSeconds, int Repetitions);
