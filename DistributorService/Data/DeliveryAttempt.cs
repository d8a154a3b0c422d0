namespace DistributorService.Data;

/// <summary>One HTTP attempt of a distribution (a batch attempt is recorded on every distribution in the batch).</summary>
public sealed class DeliveryAttempt
{
    public long Id { get; set; }
    public Guid DistributionId { get; set; }
    public int Number { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public long DurationMs { get; set; }
    public int? StatusCode { get; set; }
    public string? ErrorCode { get; set; }
    public string? Error { get; set; }
}
