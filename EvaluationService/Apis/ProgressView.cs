namespace EvaluationService.Apis;

public sealed record ProgressView(int Done, int Total);
