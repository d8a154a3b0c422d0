using System.ComponentModel.DataAnnotations;

namespace EvaluationService.Options;

/// <summary>Limits and defaults of evaluation runs (section <c>Evaluation</c>). Requests outside the maxima get 400.</summary>
public sealed class EvaluationOptions : IValidatableObject
{
    public const string Section = "Evaluation";

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan DefaultRunTimeout { get; set; } = TimeSpan.FromMinutes(10);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxRunTimeout { get; set; } = TimeSpan.FromHours(1);

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan DefaultCaseTimeout { get; set; } = TimeSpan.FromMinutes(1);

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan MaxCaseTimeout { get; set; } = TimeSpan.FromMinutes(5);

    [Range(1, 256)]
    public int DefaultParallelism { get; set; } = 4;

    [Range(1, 256)]
    public int MaxParallelism { get; set; } = 16;

    [Range(1, 100)]
    public int MaxRepetitions { get; set; } = 10;

    /// <summary>Runs executing at the same time across all replicas (PostgreSQL advisory-lock slots).</summary>
    [Range(1, 64)]
    public int MaxConcurrentRuns { get; set; } = 1;

    /// <summary>How long a run may wait <c>queued</c> for a free slot before its job gives up (and is retried by the job
    /// mechanism).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SlotWait { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often a waiting run retries the slot, and how often a running run re-reads its cancel flag.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Bound on the final bookkeeping writes that happen after the run's own token has fired.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan FinalizeTimeout { get; set; } = TimeSpan.FromSeconds(15);

    [Range(1, 100_000)]
    public int MaxCasesPerSuite { get; set; } = 5_000;

    /// <summary>Pass thresholds: a case passes when every applicable score reaches its threshold.</summary>
    [Range(0.0, 1.0)]
    public double PassKeywordRecall { get; set; } = 0.5;

    [Range(0.0, 1.0)]
    public double PassTokenF1 { get; set; } = 0.3;

    [Range(0.0, 1.0)]
    public double PassSourceRecall { get; set; } = 0.5;

    /// <summary>A case whose token F1 drops by more than this against the baseline is a regression (also: pass → fail).</summary>
    [Range(0.0, 1.0)]
    public double RegressionF1Drop { get; set; } = 0.2;

    /// <summary>Interval between progress frames on <c>/events</c>, and the longest an SSE stream stays open.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan EventsPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan EventsMaxDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Public base URL used for the report link in <c>evaluation.completed</c> (relative when empty).</summary>
    public string? PublicBaseUrl { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DefaultRunTimeout > MaxRunTimeout)
        {
            yield return new ValidationResult("DefaultRunTimeout must not exceed MaxRunTimeout.");
        }

        if (DefaultCaseTimeout > MaxCaseTimeout)
        {
            yield return new ValidationResult("DefaultCaseTimeout must not exceed MaxCaseTimeout.");
        }

        if (DefaultParallelism > MaxParallelism)
        {
            yield return new ValidationResult("DefaultParallelism must not exceed MaxParallelism.");
        }
    }
}
