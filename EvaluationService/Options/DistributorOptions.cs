using System.ComponentModel.DataAnnotations;

namespace EvaluationService.Options;

/// <summary>The outbox relay to DistributorService (section <c>Evaluation:Distributor</c>).</summary>
public sealed class DistributorOptions
{
    public const string Section = "Evaluation:Distributor";

    /// <summary>Resolved by service discovery (<c>services__distributorservice__http__0</c>).</summary>
    [Required]
    public Uri BaseAddress { get; set; } = new("http://distributorservice");

    public bool Enabled { get; set; } = true;

    [Range(10, 60_000)]
    public int PollIntervalMs { get; set; } = 1_000;

    [Range(10, 600_000)]
    public int InitialBackoffMs { get; set; } = 1_000;

    [Range(10, 3_600_000)]
    public int MaxBackoffMs { get; set; } = 60_000;

    [Range(1, 1_000)]
    public int BatchSize { get; set; } = 20;

    /// <summary>Attempt budget of one POST (the standard resilience handler of this client bounds it as well).</summary>
    [Range(1, 120)]
    public int SendTimeoutSeconds { get; set; } = 10;
}
