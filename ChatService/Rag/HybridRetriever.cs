using System.Diagnostics;
using System.Text.RegularExpressions;
using ChatService.Chroma;
using ChatService.Data;
using ChatService.Data.Configurations;
using ChatService.Llm;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace ChatService.Rag;

/// <summary>
/// Chroma vector search and PostgreSQL full-text search, each restricted to the caller's documents, fused by
/// reciprocal rank and cut to topK and the prompt token budget. The vector branch is optional: when Chroma or the
/// embedding model fails or runs out of time, full text answers alone.
/// </summary>
public sealed partial class HybridRetriever(
    ChatDbContext db,
    EmbeddingService embeddings,
    ChromaClient chroma,
    IOptions<RetrievalOptions> options,
    TimeProvider time,
    ILogger<HybridRetriever> logger)
{
    /// <param name="timeLeft">
    /// What the turn has left (null: no deadline). The vector branch (embed the question + query Chroma) gets at most
    /// half of it, so a hung embedding model or Chroma cannot eat the time the LLM and the degraded answer need.
    /// </param>
    public async Task<RetrievalResult> RetrieveAsync(string owner, string question, int topK, IReadOnlyList<Guid>? documentIds,
        TimeSpan? timeLeft, CancellationToken cancellationToken)
    {
        using var span = ChatTelemetry.Source.StartActivity("rag.retrieve");
        var candidates = topK * options.Value.CandidateMultiplier;
        span?.SetTag("rag.top_k", topK).SetTag("rag.candidates", candidates);
        var vectorBound = timeLeft is { } left && left / 2 < options.Value.VectorSearchTimeout ? left / 2 : options.Value.VectorSearchTimeout;
        var vectorTask = VectorSearchAsync(owner, question, candidates, documentIds, vectorBound, cancellationToken);
        var textIds = await FullTextSearchAsync(owner, question, candidates, documentIds, cancellationToken);
        var vectorIds = await vectorTask;

        using var fuse = ChatTelemetry.Source.StartActivity("rag.fuse");
        var fused = Fuse(vectorIds ?? [], textIds, options.Value.RrfK);
        fuse?.SetTag("rag.fused", fused.Count);
        if (fused.Count == 0)
        {
            span?.SetTag("rag.passages", 0);
            return new RetrievalResult([], vectorIds is not null, true);
        }

        var ids = fused.Keys.ToList();
        var rows = await (
                from c in db.Chunks.AsNoTracking()
                join d in db.Documents.AsNoTracking() on c.DocumentId equals d.Id
                where ids.Contains(c.Id) && c.Owner == owner && d.Owner == owner && d.Status != DocumentStatus.Failed
                select new { c.Id, c.DocumentId, d.Title, c.Text, c.Heading, c.Page, c.TokenCount })
            .ToListAsync(cancellationToken);
        var allowed = documentIds is { Count: > 0 } ? documentIds.ToHashSet() : null;

        var passages = new List<RetrievedPassage>();
        var tokens = 0;
        foreach (var row in rows.Where(r => allowed is null || allowed.Contains(r.DocumentId)).OrderByDescending(r => fused[r.Id]))
        {
            if (passages.Count >= topK || (passages.Count > 0 && tokens + row.TokenCount > options.Value.PromptTokenBudget))
            {
                break;
            }

            tokens += row.TokenCount;
            passages.Add(new RetrievedPassage(row.Id, row.DocumentId, row.Title, row.Text, row.Heading, row.Page, row.TokenCount, fused[row.Id]));
        }

        fuse?.SetTag("rag.passages", passages.Count).SetTag("rag.prompt_tokens", tokens);
        span?.SetTag("rag.passages", passages.Count).SetTag("rag.vector_search", vectorIds is null ? "unavailable" : "used");
        return new RetrievalResult(passages, vectorIds is not null, true);
    }

    /// <summary>Reciprocal rank fusion: each list contributes 1 / (k + rank) for every id it ranks.</summary>
    public static Dictionary<string, double> Fuse(IReadOnlyList<string> first, IReadOnlyList<string> second, int k)
    {
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var list in new[] { first, second })
        {
            for (var rank = 0; rank < list.Count; rank++)
            {
                scores[list[rank]] = scores.GetValueOrDefault(list[rank]) + 1.0 / (k + rank + 1);
            }
        }

        return scores;
    }

    private async Task<IReadOnlyList<string>> FullTextSearchAsync(string owner, string question, int count,
        IReadOnlyList<Guid>? documentIds, CancellationToken cancellationToken)
    {
        using var span = ChatTelemetry.Source.StartActivity("rag.full_text");
        var query = OrQuery(question);
        if (query is null)
        {
            span?.SetTag("rag.hits", 0);
            return [];
        }

        var chunks = db.Chunks.AsNoTracking().Where(c => c.Owner == owner);
        if (documentIds is { Count: > 0 })
        {
            chunks = chunks.Where(c => documentIds.Contains(c.DocumentId));
        }

        var hits = await chunks
            .Where(c => c.SearchVector!.Matches(EF.Functions.ToTsQuery(DocumentChunkConfiguration.TextSearchConfig, query)))
            .OrderByDescending(c => c.SearchVector!.Rank(EF.Functions.ToTsQuery(DocumentChunkConfiguration.TextSearchConfig, query)))
            .ThenBy(c => c.Id)
            .Select(c => c.Id)
            .Take(count)
            .ToListAsync(cancellationToken);
        span?.SetTag("rag.hits", hits.Count);
        return hits;
    }

    /// <summary>
    /// Any question word may match (OR), ranking does the rest: <c>plainto_tsquery</c> would AND every word and miss
    /// passages that answer a question phrased differently. Only letters and digits reach to_tsquery, so it cannot fail to parse.
    /// </summary>
    public static string? OrQuery(string question)
    {
        var words = Words().Matches(question.ToLowerInvariant())
            .Select(m => m.Value)
            .Where(w => w.Length > 1)
            .Distinct(StringComparer.Ordinal)
            .Take(32)
            .ToList();
        return words.Count == 0 ? null : string.Join(" | ", words);
    }

    /// <summary>Chunk ids nearest to the question, or null when the vector branch is unavailable.</summary>
    private async Task<IReadOnlyList<string>?> VectorSearchAsync(string owner, string question, int count,
        IReadOnlyList<Guid>? documentIds, TimeSpan bound, CancellationToken cancellationToken)
    {
        if (!embeddings.IsConfigured || embeddings.ModelName is not { } model || !chroma.IsConfigured)
        {
            return null;
        }

        if (bound <= TimeSpan.Zero)
        {
            logger.LogWarning("No time left for vector search, using full text only");
            return null;
        }

        using var span = ChatTelemetry.Source.StartActivity("rag.vector_search");
        using var limit = new CancellationTokenSource(bound, time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        try
        {
            float[] vector;
            using (ChatTelemetry.Source.StartActivity("rag.embed_query"))
            {
                vector = await embeddings.EmbedQueryAsync(question, timeout.Token);
            }

            using var query = ChatTelemetry.Source.StartActivity("rag.vector_query");
            var matches = await chroma.QueryAsync(model, vector, count, owner, documentIds?.ToList(), timeout.Token);
            query?.SetTag("rag.hits", matches.Count);
            span?.SetTag("rag.hits", matches.Count);
            return matches.Select(m => m.Id).ToList();
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            span?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name).SetTag("rag.hits", 0);
            // The branch is optional: whatever Chroma or the embedding model does, the caller gets the full-text answer.
            // An expected outage is logged by its message; anything else with its stack, so an unexpected one is seen.
            var expected = ex is LlmUnavailableException or ChromaUnavailableException or HttpRequestException or BrokenCircuitException
                or TimeoutRejectedException or OllamaSharp.Models.Exceptions.OllamaException or System.Text.Json.JsonException
                or OperationCanceledException;
            logger.LogWarning(expected ? null : ex, "Vector search unavailable ({ExceptionType}), using full text only: {Error}",
                ex.GetType().Name, ex.Message);
            return null;
        }
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex Words();
}
