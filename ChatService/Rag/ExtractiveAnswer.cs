using System.Globalization;
using System.Text;
using ChatService.Llm;
using LocalEmbeddings;

namespace ChatService.Rag;

/// <summary>How <see cref="ExtractiveAnswer"/> ranked the sentences it answered with.</summary>
public enum ExtractiveRanking
{
    /// <summary>No passage, nothing to rank.</summary>
    None,

    /// <summary>Cosine similarity between the question's embedding and each sentence's, from the retrieval's model.</summary>
    Vectors,

    /// <summary>Question content words each sentence holds (embeddings unavailable, out of time or failing).</summary>
    Words,
}

/// <summary>The degraded answer's text and the ranking that chose its sentences.</summary>
public sealed record ExtractiveResult(string Text, ExtractiveRanking Ranking);

/// <summary>
/// The answer when the LLM is unavailable: the sentences of the retrieved passages nearest the question, each cited by
/// its passage number. They are ranked by the same vectors as retrieval: the question's embedding (the one retrieval
/// computed; embedded with the sentences in the same call only when retrieval had none) against each sentence's,
/// embedded in one call within the caller's bound. Without embeddings (no provider, breaker open, error, no time
/// left) the sentences are ranked by the question's content words they hold, as citations pick their snippet.
/// </summary>
public sealed partial class ExtractiveAnswer(EmbeddingService embeddings, TimeProvider time, ILogger<ExtractiveAnswer> logger)
{
    /// <summary>Sentences quoted in the answer.</summary>
    public const int SentencesQuoted = 3;

    /// <summary>Candidate sentences embedded at most (the first passages' first), one embedding batch.</summary>
    public const int MaxCandidates = 32;

    /// <param name="question">The text retrieval searched with (and embedded, when <paramref name="retrieval"/> has its vector).</param>
    /// <param name="rankingBound">How long embedding the sentences may take; the rest of the caller's bound is for storing.</param>
    public async Task<ExtractiveResult> BuildAsync(string question, RetrievalResult retrieval, int snippetChars, TimeSpan rankingBound,
        CancellationToken cancellationToken)
    {
        var passages = retrieval.Passages;
        if (passages.Count == 0)
        {
            return new ExtractiveResult(
                "The language model is unavailable right now and no relevant passages were found in your documents.",
                ExtractiveRanking.None);
        }

        using var span = ChatTelemetry.Source.StartActivity("rag.extractive_answer");
        var candidates = Candidates(passages);
        var scores = await VectorScoresAsync(question, retrieval.QuestionVector, candidates, rankingBound, cancellationToken);
        var ranking = scores is null ? ExtractiveRanking.Words : ExtractiveRanking.Vectors;
        if (scores is null)
        {
            var questionWords = PassageMatch.ContentWords(question);
            scores = candidates.Select(c => (double)PassageMatch.Hits(questionWords, c.Sentence)).ToArray();
        }

        // why: ties (equal word hits) keep retrieval's order: the earlier passage, then the earlier sentence
        var chosen = Enumerable.Range(0, candidates.Count)
            .OrderByDescending(i => scores[i]).ThenBy(i => i)
            .Take(SentencesQuoted)
            .Select(i => candidates[i])
            .ToList();
        span?.SetTag("rag.extractive_ranking", ranking.ToString()).SetTag("rag.extractive_candidates", candidates.Count);
        LogRanked(logger, ranking, candidates.Count);

        var answer = new StringBuilder("The language model is unavailable right now. The sentences of your documents closest to ")
            .Append("the question are:\n\n");
        foreach (var (passage, sentence) in chosen)
        {
            answer.Append(CultureInfo.InvariantCulture,
                $"[{passage + 1}] {PromptBuilder.Source(passages[passage])}: {PromptBuilder.Snippet(sentence, snippetChars * 2)}\n\n");
        }

        return new ExtractiveResult(answer.ToString().TrimEnd(), ranking);
    }

    /// <summary>Each passage's distinct sentences, in retrieval order, at most <see cref="MaxCandidates"/>.</summary>
    private static List<(int Passage, string Sentence)> Candidates(IReadOnlyList<RetrievedPassage> passages)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var candidates = new List<(int Passage, string Sentence)>();
        for (var i = 0; i < passages.Count && candidates.Count < MaxCandidates; i++)
        {
            foreach (var sentence in PassageMatch.SentencesOf(passages[i].Text))
            {
                // why: a markdown heading line alone ("# Volcanoes") is a title, not an answer
                if (sentence.StartsWith('#') || !seen.Add(sentence))
                {
                    continue;
                }

                candidates.Add((i, sentence));
                if (candidates.Count == MaxCandidates)
                {
                    break;
                }
            }
        }

        if (candidates.Count == 0)
        {
            candidates.Add((0, passages[0].Text));
        }

        return candidates;
    }

    /// <summary>Cosine of each candidate to the question, or null when the embeddings are unavailable.</summary>
    private async Task<double[]?> VectorScoresAsync(string question, float[]? questionVector,
        List<(int Passage, string Sentence)> candidates, TimeSpan bound, CancellationToken cancellationToken)
    {
        if (!embeddings.IsConfigured || bound <= TimeSpan.Zero)
        {
            return null;
        }

        using var timeout = new CancellationTokenSource(bound, time);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            // why: one call; the question is embedded only when retrieval did not (vector branch unavailable)
            var texts = candidates.Select(c => c.Sentence).ToList();
            if (questionVector is null)
            {
                texts.Insert(0, question);
            }

            var vectors = await embeddings.EmbedManyAsync(texts, limit.Token);
            var offset = questionVector is null ? 1 : 0;
            var query = questionVector ?? vectors[0];
            var scores = new double[candidates.Count];
            for (var i = 0; i < candidates.Count; i++)
            {
                var vector = vectors[i + offset];
                if (vector.Length != query.Length)
                {
                    // why: the model changed between retrieval and now; vectors of two spaces do not compare
                    LogVectorsUnavailable(logger, "DimensionMismatch", $"{vector.Length} vs {query.Length} dimensions");
                    return null;
                }

                scores[i] = MiniLmModel.Cosine(query, vector);
            }

            return scores;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // why: the degraded answer must not fail on an optional ranking: any error, breaker or timeout → words
            System.Diagnostics.Activity.Current?.SetTag("rag.extractive_vectors_error", ex.GetType().Name);
            LogVectorsUnavailable(logger, ex.GetType().Name, ex.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Degraded answer: sentences ranked by {Ranking} ({Candidates} candidates)")]
    private static partial void LogRanked(ILogger logger, ExtractiveRanking ranking, int candidates);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Degraded answer: sentence embeddings unavailable ({ExceptionType}), ranking by words: {Error}")]
    private static partial void LogVectorsUnavailable(ILogger logger, string exceptionType, string error);
}
