namespace EvaluationService.Chat;

public sealed record ChatTimings(double? RetrievalMs, double? FirstTokenMs, double? TotalMs);
