namespace DistributorService.Apis;

public sealed record DistributionView(
    Guid Id,
    Guid EventId,
    Guid DestinationId,
    string Status,
    int AttemptCount,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? NextAttemptAt,
    int? LastStatusCode,
    string? LastErrorCode,
    string? LastError,
    IReadOnlyList<AttemptView>? Attempts);
