namespace DistributorService.Data;

/// <summary>The single row that says whether intake is paused (shared by every instance of the service).</summary>
public sealed class IntakeControl
{
    public const int SingletonId = 1;

    public int Id { get; set; } = SingletonId;
    public bool Paused { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string? UpdatedBy { get; set; }
}
