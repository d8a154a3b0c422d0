using System.ComponentModel.DataAnnotations;

namespace DurableJobs.Retention;

/// <summary>
/// Section <c>Jobs:Retention</c>: how long each table family keeps its rows and how the pruner deletes them (small batches,
/// each its own short statement, so no long lock). Families are registered in code with a default age
/// (<see cref="DurableJobsBuilder.AddRetention"/>); <c>Families:&lt;name&gt;:After</c> / <c>Enabled</c> override them.
/// </summary>
public sealed class RetentionOptions
{
    public const string Section = "Jobs:Retention";

    /// <summary>Whether this instance prunes at all (every replica may: batches skip rows another replica holds).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Time between pruning rounds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Rows deleted per statement.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 1000;

    /// <summary>Pause between two batches of a round, so pruning never crowds out the service's own writes.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan BatchPause { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Most batches per family per round; what is left waits for the next round.</summary>
    [Range(1, 1_000_000)]
    public int MaxBatchesPerRound { get; set; } = 1000;

    /// <summary>Per-family overrides, keyed by the family's name.</summary>
    public Dictionary<string, RetentionFamilyOptions> Families { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One family's override.</summary>
public sealed class RetentionFamilyOptions
{
    /// <summary>Rows older than this go; null keeps the family's default.</summary>
    public TimeSpan? After { get; set; }

    public bool Enabled { get; set; } = true;
}
