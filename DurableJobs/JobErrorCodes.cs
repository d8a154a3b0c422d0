namespace DurableJobs;

/// <summary>The <c>error_code</c> values the mechanism itself writes (a <see cref="PermanentJobException"/> brings its own).</summary>
public static class JobErrorCodes
{
    /// <summary>The handler threw; the message names the exception type.</summary>
    public const string HandlerError = "HANDLER_ERROR";

    /// <summary>The attempt ran past its timeout.</summary>
    public const string Timeout = "JOB_TIMEOUT";

    /// <summary>Cancelled through the API.</summary>
    public const string Cancelled = "JOB_CANCELLED";

    /// <summary>The worker holding it stopped renewing its lease (crash, kill, lost connection); it was reclaimed.</summary>
    public const string LeaseExpired = "LEASE_EXPIRED";

    /// <summary>It ran past its timeout plus grace without a heartbeat; it was reclaimed.</summary>
    public const string Stuck = "JOB_STUCK";

    /// <summary>The handler's result could not be serialized to JSON.</summary>
    public const string InvalidResult = "INVALID_RESULT";
}
