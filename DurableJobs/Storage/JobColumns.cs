namespace DurableJobs.Storage;

/// <summary>Names of table <c>jobs</c> and its columns, shared by the EF mapping and the workers' SQL.</summary>
internal static class JobColumns
{
    public const string Table = "jobs";
    public const string Id = "id";
    public const string Queue = "queue";
    public const string State = "state";
    public const string Owner = "owner";
    public const string Payload = "payload";
    public const string IdempotencyKey = "idempotency_key";
    public const string Attempt = "attempt";
    public const string MaxAttempts = "max_attempts";
    public const string TimeoutMs = "timeout_ms";
    public const string NextAttemptAt = "next_attempt_at";
    public const string LeaseOwner = "lease_owner";
    public const string LeaseExpiresAt = "lease_expires_at";
    public const string HeartbeatAt = "heartbeat_at";
    public const string CancelRequested = "cancel_requested";
    public const string DispatchedAt = "dispatched_at";
    public const string CreatedAt = "created_at";
    public const string StartedAt = "started_at";
    public const string FinishedAt = "finished_at";
    public const string Result = "result";
    public const string ErrorCode = "error_code";
    public const string ErrorMessage = "error_message";
    public const string TraceParent = "trace_parent";
}
