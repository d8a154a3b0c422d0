using System.ComponentModel.DataAnnotations;

namespace ChatService.Rag;

/// <summary>Hybrid retrieval and prompt limits (section <c>Retrieval</c>).</summary>
public sealed class RetrievalOptions
{
    public const string Section = "Retrieval";

    [Range(1, 100)]
    public int DefaultTopK { get; set; } = 5;

    /// <summary>Largest topK a caller may ask for (400 beyond).</summary>
    [Range(1, 100)]
    public int MaxTopK { get; set; } = 20;

    /// <summary>Each retriever returns topK × this many candidates before fusion.</summary>
    [Range(1, 20)]
    public int CandidateMultiplier { get; set; } = 3;

    /// <summary>The k of reciprocal rank fusion: score = Σ 1 / (k + rank).</summary>
    [Range(1, 1000)]
    public int RrfK { get; set; } = 60;

    /// <summary>Approximate tokens of passages put into the prompt.</summary>
    [Range(100, 100_000)]
    public int PromptTokenBudget { get; set; } = 2500;

    /// <summary>Most recent session messages considered as history.</summary>
    [Range(0, 100)]
    public int HistoryMessages { get; set; } = 6;

    /// <summary>Approximate tokens of history put into the prompt.</summary>
    [Range(0, 100_000)]
    public int HistoryTokenBudget { get; set; } = 1000;

    /// <summary>Longest accepted user message (400 beyond).</summary>
    [Range(1, 100_000)]
    public int MaxMessageChars { get; set; } = 4000;

    /// <summary>Bound on the whole vector branch (embed the question + query Chroma); full text answers alone beyond it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan VectorSearchTimeout { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>
    /// Relevance cut-off of the vector branch: a passage whose cosine similarity to the question is below it is kept only
    /// when its words match (<see cref="MinTermCoverage"/>). Suits all-MiniLM-L6-v2 (unrelated text scores ≈ 0–0.15);
    /// other embedding models have other scales. 0 keeps every vector match.
    /// </summary>
    [Range(0.0, 1.0)]
    public double MinVectorSimilarity { get; set; } = 0.3;

    /// <summary>
    /// Relevance cut-off in words: the share of the question's content words a passage must hold to be cited when its
    /// vector similarity is below <see cref="MinVectorSimilarity"/> (or unknown). 0 keeps every full-text match.
    /// </summary>
    [Range(0.0, 1.0)]
    public double MinTermCoverage { get; set; } = 0.4;

    /// <summary>Characters of the matching sentence shown as a citation snippet.</summary>
    [Range(20, 2000)]
    public int SnippetChars { get; set; } = 200;
}
