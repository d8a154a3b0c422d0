using System.Text.RegularExpressions;
using EvaluationService.Options;
using LocalEmbeddings;
using Microsoft.Extensions.Options;

namespace EvaluationService.Scoring;

/// <summary>
/// How close an answer's meaning is to the expected answer: the cosine similarity of all-MiniLM-L6-v2 vectors (in
/// process, the process's one model), the best of the whole answer and each of its sentences, so a correct answer
/// wrapped in explanation scores by the sentence that says it. Null when there is nothing to compare or the model is
/// off, failed or ran out of time (the pass rule then falls back to token F1).
/// </summary>
public sealed partial class SemanticScorer(IOptions<ScoringOptions> options, ILogger<SemanticScorer> logger) : IDisposable
{
    private const int MaxSentences = 32;

    private readonly MiniLmEmbeddingGenerator _generator = new(options.Value.Embedded);

    public bool IsEnabled => options.Value.SemanticSimilarity;

    public async Task<double?> SimilarityAsync(string? answer, string? expected, CancellationToken cancellationToken)
    {
        if (!IsEnabled || string.IsNullOrWhiteSpace(answer) || string.IsNullOrWhiteSpace(expected))
        {
            return null;
        }

        var sentences = Sentences().Split(answer.Trim()).Where(s => s.Length > 0).Take(MaxSentences).ToList();
        var texts = new List<string>(sentences.Count + 2) { expected, answer };
        if (sentences.Count > 1)
        {
            texts.AddRange(sentences);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Timeout);
        try
        {
            var vectors = await _generator.GenerateAsync(texts, cancellationToken: timeout.Token);
            var reference = vectors[0].Vector.Span;
            var best = double.MinValue;
            for (var i = 1; i < vectors.Count; i++)
            {
                best = Math.Max(best, MiniLmModel.Cosine(reference, vectors[i].Vector.Span));
            }

            return Math.Round(Math.Clamp(best, 0, 1), 4);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogUnavailable(null, $"no similarity within {options.Value.Timeout.TotalSeconds:0.#} s");
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // why: a model that cannot run here must not fail the case; the rule falls back to token F1
            LogUnavailable(ex, ex.Message);
            return null;
        }
    }

    public void Dispose() => _generator.Dispose();

    [GeneratedRegex(@"(?<=[.!?;])\s+|\n+")]
    private static partial Regex Sentences();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Semantic similarity unavailable: {Reason}")]
    private partial void LogUnavailable(Exception? ex, string reason);
}
