namespace EvaluationService.Data;

/// <summary>One evaluation of a suite against ChatService. Status is one of <see cref="RunStatus"/>.</summary>
public sealed class EvaluationRun
{
    public Guid Id { get; set; }

    public required string Owner { get; set; }

    public Guid SuiteId { get; set; }

    public required string SuiteName { get; set; }

    public string Status { get; set; } = RunStatus.Queued;

    /// <summary>Case × repetition items the run will evaluate (fixed when the run is accepted).</summary>
    public int Total { get; set; }

    public int MaxCases { get; set; }

    public int Parallelism { get; set; }

    public int CaseTimeoutSeconds { get; set; }

    public int RunTimeoutSeconds { get; set; }

    public int Repetitions { get; set; }

    public Guid? BaselineId { get; set; }

    /// <summary>The <see cref="Scoring.RunSummary"/> as jsonb, written when the run ends.</summary>
    public string? Summary { get; set; }

    public string? IdempotencyKey { get; set; }

    public Guid? JobId { get; set; }

    public bool CancelRequested { get; set; }

    public string? ErrorCode { get; set; }

    public string? ErrorMessage { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }
}
