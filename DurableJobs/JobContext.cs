using System.Text.Json;

namespace DurableJobs;

/// <summary>What a handler sees of the job it runs.</summary>
/// <param name="IdempotencyKey">Stable across attempts (the job id unless the caller gave one): use it to make side effects
/// idempotent.</param>
public sealed record JobContext(
    Guid JobId,
    string Queue,
    JsonElement Payload,
    int Attempt,
    int MaxAttempts,
    string? Owner,
    string IdempotencyKey)
{
    public T GetPayload<T>(JsonSerializerOptions? options = null) =>
        Payload.Deserialize<T>(options ?? JsonSerializerOptions.Web)
        ?? throw new PermanentJobException("INVALID_PAYLOAD", $"Payload of job {JobId} is not a {typeof(T).Name}.");
}
