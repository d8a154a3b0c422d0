namespace DistributorService.Data;

public static class DistributionStatus
{
    public const string Pending = "pending";
    public const string Processing = "processing";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string DeadLettered = "dead_lettered";

    public static readonly string[] All = [Pending, Processing, Succeeded, Failed, DeadLettered];
}
