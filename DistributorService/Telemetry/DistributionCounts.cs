namespace DistributorService.Telemetry;

/// <summary>A snapshot of distributions per status, taken periodically by the maintenance loop.</summary>
public sealed record DistributionCounts(IReadOnlyDictionary<string, long> ByStatus, DateTimeOffset? TakenAt)
{
    public static readonly DistributionCounts Empty = new(new Dictionary<string, long>(), null);

    public long DeadLetters => ByStatus.GetValueOrDefault(Data.DistributionStatus.DeadLettered);
}
