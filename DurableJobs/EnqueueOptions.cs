namespace DurableJobs;

/// <summary>How a typed job is enqueued (the queue comes from the job's type); see <see cref="JobRequest"/> for each value.</summary>
public sealed record EnqueueOptions(
    string? Owner = null,
    string? IdempotencyKey = null,
    TimeSpan? Timeout = null,
    int? MaxAttempts = null)
{
    public static EnqueueOptions Default { get; } = new();
}
