namespace DistributorService.Data;

/// <summary>The delivery of one event to one destination; one per (event, destination).</summary>
public sealed class Distribution
{
    public Guid Id { get; set; }

    /// <summary>Insertion order, the stable cursor of list pages.</summary>
    public long Sequence { get; set; }

    public Guid EventId { get; set; }
    public AcceptedEvent? Event { get; set; }
    public Guid DestinationId { get; set; }
    public string Status { get; set; } = DistributionStatus.Pending;

    /// <summary>The durable job currently responsible for this distribution (a replay gets a new one); null while parked.</summary>
    public Guid? JobId { get; set; }

    public int AttemptCount { get; set; }
    public int ReplayCount { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>Earliest start of the next attempt (destination backoff or <c>Retry-After</c>).</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    public int? LastStatusCode { get; set; }
    public string? LastErrorCode { get; set; }
    public string? LastError { get; set; }
    public List<DeliveryAttempt> Attempts { get; set; } = [];
}
