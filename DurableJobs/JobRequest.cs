using System.Text.Json;

namespace DurableJobs;

/// <summary>What a caller asks to run. Validated against the queue's options (400 on a bad value).</summary>
/// <param name="Queue">A queue registered with <c>AddQueue</c>.</param>
/// <param name="Payload">The handler's input, stored as jsonb (size-limited by options).</param>
/// <param name="Owner">The user id the job belongs to (for per-user listing and isolation), if any.</param>
/// <param name="IdempotencyKey">A repeated key (per queue) returns the existing job instead of a new one.</param>
/// <param name="Timeout">Per-job timeout within the queue's maximum; the queue default when null.</param>
/// <param name="MaxAttempts">Overrides the queue's attempt limit when set.</param>
public sealed record JobRequest(
    string Queue,
    JsonElement Payload,
    string? Owner = null,
    string? IdempotencyKey = null,
    TimeSpan? Timeout = null,
    int? MaxAttempts = null);
