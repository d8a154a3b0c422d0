using System.ComponentModel.DataAnnotations;
using LocalEmbeddings;

namespace EvaluationService.Options;

/// <summary>
/// Semantic similarity and the pass rule's thresholds beyond <see cref="EvaluationOptions"/> (section
/// <c>Evaluation:Scoring</c>). See <see cref="Scoring.OutcomeRules"/> for how the scores combine.
/// </summary>
public sealed class ScoringOptions
{
    public const string Section = "Evaluation:Scoring";

    /// <summary>Score answer ↔ expected answer with the in-process all-MiniLM-L6-v2 (false: token F1 takes its place).</summary>
    public bool SemanticSimilarity { get; set; } = true;

    /// <summary>Lowest similarity (cosine, best of the whole answer and each of its sentences) of a passing answer.</summary>
    [Range(0.0, 1.0)]
    public double PassSemanticSimilarity { get; set; } = 0.45;

    /// <summary>Lowest judge correctness (1–5) of a passing answer, when the judge gave a verdict.</summary>
    [Range(1, 5)]
    public int PassJudgeCorrectness { get; set; } = 4;

    /// <summary>Bound on scoring one answer (waiting for the model's turn included); past it the similarity is missing.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The in-process model's threads, turns and batch.</summary>
    public LocalEmbeddingOptions Embedded { get; set; } = new();
}
