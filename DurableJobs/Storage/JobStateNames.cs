namespace DurableJobs.Storage;

/// <summary>The text stored in <c>jobs.state</c> for each <see cref="JobState"/>.</summary>
internal static class JobStateNames
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
    public const string TimedOut = "timed_out";
    public const string DeadLettered = "dead_lettered";

    public static string ToText(JobState state) => state switch
    {
        JobState.Queued => Queued,
        JobState.Running => Running,
        JobState.Succeeded => Succeeded,
        JobState.Failed => Failed,
        JobState.Cancelled => Cancelled,
        JobState.TimedOut => TimedOut,
        JobState.DeadLettered => DeadLettered,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown job state."),
    };

    public static JobState Parse(string text) => text switch
    {
        Queued => JobState.Queued,
        Running => JobState.Running,
        Succeeded => JobState.Succeeded,
        Failed => JobState.Failed,
        Cancelled => JobState.Cancelled,
        TimedOut => JobState.TimedOut,
        DeadLettered => JobState.DeadLettered,
        _ => throw new FormatException($"Unknown job state '{text}'."),
    };
}
