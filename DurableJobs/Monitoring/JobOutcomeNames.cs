namespace DurableJobs.Monitoring;

/// <summary>Values of the <c>jobs.outcome</c> tag of <c>jobs.duration</c>.</summary>
internal static class JobOutcomeNames
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string TimedOut = "timed_out";
    public const string Cancelled = "cancelled";
    public const string Retried = "retried";
    public const string DeadLettered = "dead_lettered";
    public const string Released = "released";
    public const string LeaseLost = "lease_lost";
    public const string Deferred = "deferred";
}
