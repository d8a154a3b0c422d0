namespace ServiceDefaults.Problems;

/// <summary>Stable machine-readable codes carried as the <c>code</c> member of every problem detail.</summary>
public static class ErrorCodes
{
    public const string ValidationFailed = "VALIDATION_FAILED";
    public const string NotFound = "NOT_FOUND";
    public const string Conflict = "CONFLICT";
    public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";
    public const string InvalidCursor = "INVALID_CURSOR";

    /// <summary>Text PostgreSQL cannot store or parse (NUL, invalid encoding, a malformed value: SQLSTATE 22021, 22P05, 22P02).</summary>
    public const string InvalidText = "INVALID_TEXT";

    /// <summary>A value longer than its column (SQLSTATE 22001).</summary>
    public const string ValueTooLong = "VALUE_TOO_LONG";

    /// <summary>A unique, foreign-key, check or not-null constraint refused the write (SQLSTATE class 23).</summary>
    public const string ConstraintViolation = "CONSTRAINT_VIOLATION";
    public const string Unauthorized = "UNAUTHORIZED";
    public const string Forbidden = "FORBIDDEN";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";
    public const string RequestTimeout = "REQUEST_TIMEOUT";
    public const string TooManyRequests = "TOO_MANY_REQUESTS";

    /// <summary>The caller's per-user rate limit (a policy under <c>RateLimits</c>) is used up; see Retry-After.</summary>
    public const string RateLimited = "RATE_LIMITED";

    /// <summary>The caller already holds <c>Streams:MaxPerUser</c> open streams.</summary>
    public const string TooManyStreams = "TOO_MANY_STREAMS";

    /// <summary>An outgoing call's response body was larger than its cap (the read stopped at the cap).</summary>
    public const string ResponseTooLarge = "RESPONSE_TOO_LARGE";
    public const string DependencyUnavailable = "DEPENDENCY_UNAVAILABLE";
    public const string CircuitOpen = "CIRCUIT_OPEN";
    public const string LlmTimeout = "LLM_TIMEOUT";
    public const string LlmUnavailable = "LLM_UNAVAILABLE";
    public const string InternalError = "INTERNAL_ERROR";

    /// <summary>The default code for a status when a handler did not give one.</summary>
    public static string ForStatus(int status) => status switch
    {
        400 => ValidationFailed,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        408 => RequestTimeout,
        409 => Conflict,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        429 => TooManyRequests,
        503 => DependencyUnavailable,
        504 => RequestTimeout,
        _ => InternalError,
    };
}
