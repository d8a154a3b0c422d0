namespace EvaluationService.Data;

/// <summary>An event written in the same transaction as the state change it reports, relayed to DistributorService later.</summary>
public sealed class OutboxMessage
{
    public Guid Id { get; set; }

    public required string Type { get; set; }

    /// <summary>The event payload (jsonb).</summary>
    public required string Payload { get; set; }

    /// <summary>Sent as the distributor's idempotency key (the run id for <c>evaluation.completed</c>).</summary>
    public required string IdempotencyKey { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    public DateTimeOffset? SentAt { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }
}
