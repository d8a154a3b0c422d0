namespace DistributorService.Data;

/// <summary>An event accepted by intake. The payload is kept as raw JSON text so it is delivered byte for byte.</summary>
public sealed class AcceptedEvent
{
    public Guid Id { get; set; }
    public required string Type { get; set; }
    public required string Payload { get; set; }
    public string? IdempotencyKey { get; set; }
    public DateTimeOffset AcceptedAt { get; set; }
    public List<Distribution> Distributions { get; set; } = [];
}
