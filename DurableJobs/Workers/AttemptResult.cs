namespace DurableJobs.Workers;

/// <summary>How one attempt's handler call ended, before it is written to the row.</summary>
internal sealed record AttemptResult(AttemptResult.Kind Outcome, string? ResultJson = null, string? ErrorCode = null,
    string? ErrorMessage = null, Exception? Exception = null, TimeSpan Delay = default)
{
    public enum Kind
    {
        Succeeded,
        PermanentFailure,
        Error,
        Cancelled,
        TimedOut,
        Shutdown,
        LeaseLost,
        Deferred,
    }
}
