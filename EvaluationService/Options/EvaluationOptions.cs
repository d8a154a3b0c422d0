using System.ComponentModel.DataAnnotations;

namespace EvaluationService.Options;

/// <summary>Limits and defaults of evaluation runs (section <c>Evaluation</c>). Requests outside the maxima get 400.</summary>
public sealed class EvaluationOptions : IValidatableObject
{
    public const string Section = "Evaluation";

    [Range(1, 86_400)]
    public int DefaultRunTimeoutSeconds { get; set; } = 600;

    [Range(1, 86_400)]
    public int MaxRunTimeoutSeconds { get; set; } = 3_600;

    [Range(1, 3_600)]
    public int DefaultCaseTimeoutSeconds { get; set; } = 60;

    [Range(1, 3_600)]
    public int MaxCaseTimeoutSeconds { get; set; } = 300;

    [Range(1, 256)]
    public int DefaultParallelism { get; set; } = 4;

    [Range(1, 256)]
    public int MaxParallelism { get; set; } = 16;

    [Range(1, 100)]
    public int MaxRepetitions { get; set; } = 10;

    /// <summary>Runs executing at the same time across all replicas (PostgreSQL advisory-lock slots).</summary>
    [Range(1, 64)]
    public int MaxConcurrentRuns { get; set; } = 1;

    /// <summary>How long a run may wait <c>queued</c> for a free slot before its job gives up (and is retried by the job mechanism).</summary>
    [Range(1, 86_400)]
    public int SlotWaitSeconds { get; set; } = 3_600;

    /// <summary>How often a waiting run retries the slot, and how often a running run re-reads its cancel flag.</summary>
    [Range(50, 60_000)]
    public int PollIntervalMs { get; set; } = 1_000;

    /// <summary>Bound on the final bookkeeping writes that happen after the run's own token has fired.</summary>
    [Range(1, 300)]
    public int FinalizeTimeoutSeconds { get; set; } = 15;

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
    [Range(50, 60_000)]
    public int EventsPollIntervalMs { get; set; } = 500;

    [Range(1, 86_400)]
    public int EventsMaxDurationSeconds { get; set; } = 3_600;

    /// <summary>Public base URL used for the report link in <c>evaluation.completed</c> (relative when empty).</summary>
    public string? PublicBaseUrl { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DefaultRunTimeoutSeconds > MaxRunTimeoutSeconds)
        {
            yield return new ValidationResult("DefaultRunTimeoutSeconds must not exceed MaxRunTimeoutSeconds.");
        }

        if (DefaultCaseTimeoutSeconds > MaxCaseTimeoutSeconds)
        {
            yield return new ValidationResult("DefaultCaseTimeoutSeconds must not exceed MaxCaseTimeoutSeconds.");
        }

        if (DefaultParallelism > MaxParallelism)
        {
            yield return new ValidationResult("DefaultParallelism must not exceed MaxParallelism.");
        }
    }
}
