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

    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(1);

    [Range(1, 1_000)]
    public int BatchSize { get; set; } = 20;

    /// <summary>Attempt budget of one POST (the standard resilience handler of this client bounds it as well).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:02:00")]
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
