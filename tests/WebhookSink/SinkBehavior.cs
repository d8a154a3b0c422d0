namespace WebhookSink;

/// <summary>
/// How the sink answers a path (or every path without its own behaviour). Evaluation order:
/// bearer check (401) → hang → delay → the first <see cref="FailuresBeforeSuccess"/> attempts answer
/// <see cref="FailureStatus"/> → <see cref="Status"/>. <see cref="RetryAfterSeconds"/> is sent with every status ≥ 400.
/// </summary>
public sealed record SinkBehavior
{
    public static SinkBehavior Default { get; } = new();

    /// <summary>Status of a normal answer: 200/204 to succeed, any other to fail every time.</summary>
    public int Status { get; init; } = StatusCodes.Status200OK;

    public int? RetryAfterSeconds { get; init; }

    /// <summary>Wait before answering (the client may give up first; that counts as a cancelled request).</summary>
    public int DelayMs { get; init; }

    /// <summary>Never answer; the request ends when the client disconnects.</summary>
    public bool Hang { get; init; }

    /// <summary>Number of attempts (counted per behaviour since it was set) answered with <see cref="FailureStatus"/>.</summary>
    public int FailuresBeforeSuccess { get; init; }

    public int FailureStatus { get; init; } = StatusCodes.Status500InternalServerError;

    /// <summary>Require <c>Authorization: Bearer &lt;token issued by /oauth/token&gt;</c>; otherwise 401.</summary>
    public bool RequireBearerToken { get; init; }

    /// <summary>Body of a successful answer (sent as application/json); none when null.</summary>
    public string? ResponseBody { get; init; }

    public static SinkBehavior Succeed(int status = StatusCodes.Status200OK) => new() { Status = status };

    public static SinkBehavior Fail(int status, int? retryAfterSeconds = null) =>
        new() { Status = status, RetryAfterSeconds = retryAfterSeconds };

    public static SinkBehavior Hanging() => new() { Hang = true };

    public static SinkBehavior Slow(TimeSpan delay, int status = StatusCodes.Status200OK) =>
        new() { DelayMs = (int)delay.TotalMilliseconds, Status = status };

    public static SinkBehavior SucceedAfter(int failures, int failureStatus = StatusCodes.Status500InternalServerError,
        int? retryAfterSeconds = null) =>
        new() { FailuresBeforeSuccess = failures, FailureStatus = failureStatus, RetryAfterSeconds = retryAfterSeconds };

    public static SinkBehavior Protected(int status = StatusCodes.Status200OK) => new() { RequireBearerToken = true, Status = status };

    internal IEnumerable<string> Problems()
    {
        if (Status is < 100 or > 599 || FailureStatus is < 100 or > 599)
        {
            yield return "status and failureStatus must be HTTP status codes";
        }

        if (DelayMs < 0 || FailuresBeforeSuccess < 0 || RetryAfterSeconds < 0)
        {
            yield return "delayMs, failuresBeforeSuccess and retryAfterSeconds must not be negative";
        }
    }
}
