using System.ComponentModel.DataAnnotations;

namespace LocalEmbeddings;

/// <summary>
/// How the in-process model runs (section <c>Embeddings:Embedded</c> in ChatService, <c>Scoring:Embedded</c> in
/// EvaluationService).
/// </summary>
public sealed class LocalEmbeddingOptions
{
    /// <summary>ONNX Runtime threads of one inference (the first host of a process fixes it for the process).</summary>
    [Range(1, 16)]
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>Inferences running at once; the others wait (cancellably) for a turn.</summary>
    [Range(1, 16)]
    public int MaxConcurrency { get; set; } = 1;

    /// <summary>Texts per inference; cancellation is checked between them.</summary>
    [Range(1, 256)]
    public int BatchSize { get; set; } = 16;

    /// <summary>Load the model in the background when the host starts, so the first question does not pay for it.</summary>
    public bool WarmUpOnStart { get; set; } = true;
}
