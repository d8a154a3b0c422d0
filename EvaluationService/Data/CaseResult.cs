namespace EvaluationService.Data;

/// <summary>The stored outcome of one case × repetition of a run; written once, the moment the case finishes.</summary>
public sealed class CaseResult
{
    public Guid Id { get; set; }

    public Guid RunId { get; set; }

    public Guid CaseId { get; set; }

    public int Repetition { get; set; }

    /// <summary><see cref="CaseOutcome"/>.</summary>
    public required string Outcome { get; set; }

    public string? Answer { get; set; }

    /// <summary>Citations returned by ChatService (jsonb array).</summary>
    public string Citations { get; set; } = "[]";

    public int CitationCount { get; set; }

    public bool Degraded { get; set; }

    public double? KeywordRecall { get; set; }

    public double? TokenF1 { get; set; }

    /// <summary>Cosine similarity of answer and expected answer (in-process all-MiniLM-L6-v2); null when not scored.</summary>
    public double? SemanticSimilarity { get; set; }

    public double? SourceRecall { get; set; }

    public double? FirstTokenMs { get; set; }

    public double LatencyMs { get; set; }

    public int? JudgeGroundedness { get; set; }

    public int? JudgeCorrectness { get; set; }

    public string? JudgeError { get; set; }

    public string? ErrorCode { get; set; }

    public string? ErrorMessage { get; set; }

    public DateTimeOffset FinishedAt { get; set; }
}
