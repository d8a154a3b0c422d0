namespace DistributorService.Data;

/// <summary>An event accepted by intake. The payload is kept as raw JSON text so it is delivered byte for byte.</summary>
public sealed class AcceptedEvent
{
    public Guid Id { get; set; }
    public required string Type { get; set; }
    public required string Payload { get; set; }
    /// <summary>The token subject of the caller that posted it (<see cref="Intake.Publishers.Self"/> for the service's own
    /// events).</summary>
    public string Publisher { get; set; } = "";

    /// <summary>Scoped to <see cref="Publisher"/>: two publishers may use the same key.</summary>
    public string? IdempotencyKey { get; set; }

    /// <summary>Hex SHA-256 of the type and payload text: a key reused with another payload is refused (422).</summary>
    public string? PayloadHash { get; set; }
    public DateTimeOffset AcceptedAt { get; set; }
    public List<Distribution> Distributions { get; set; } = [];
}
