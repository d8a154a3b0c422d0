using System.ComponentModel.DataAnnotations;

namespace EvaluationService.Options;

/// <summary>Suite generation from ingested documents (section <c>Evaluation:Generation</c>).</summary>
public sealed class GenerationOptions
{
    public const string Section = "Evaluation:Generation";

    [Range(1, 1_000)]
    public int MaxCount { get; set; } = 100;

    [Range(1, 100)]
    public int MaxDocuments { get; set; } = 20;

    /// <summary>Bound on the whole generation job.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan JobTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>At most this many chunks are read from ChatService per document (pages of 100).</summary>
    [Range(1, 10_000)]
    public int MaxChunksPerDocument { get; set; } = 200;

    /// <summary>
    /// Chunks read per requested case and document (proposals can be discarded): a document contributes at most
    /// <c>min(MaxChunksPerDocument, count × CandidatesPerCase)</c> chunks.
    /// </summary>
    [Range(1, 100)]
    public int CandidatesPerCase { get; set; } = 3;

    /// <summary>Chunk text sent to the LLM is cut to this many characters.</summary>
    [Range(100, 100_000)]
    public int MaxChunkChars { get; set; } = 4_000;
}
