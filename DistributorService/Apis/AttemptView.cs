namespace DistributorService.Apis;

public sealed record AttemptView(int Number, DateTimeOffset StartedAt, long DurationMs, int? StatusCode, string? ErrorCode, string? Error);
