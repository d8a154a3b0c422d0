using System.Diagnostics;
using System.Text.RegularExpressions;
using ChatService.Chroma;
using ChatService.Data;
using ChatService.Ingestion;
using ChatService.Llm;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
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
    ChromaQueryBatcher vectorQueries,
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
        await using var vector = StartVectorSearch(owner, question, topK, documentIds, timeLeft, cancellationToken);
        return await RetrieveWithAsync(vector, cancellationToken);
    }

    /// <summary>
    /// Starts the vector branch and returns at once, so that the caller can do other work meanwhile
    /// (<see cref="ChatTurnRunner"/> looks up the answer cache): the question is embedded now, Chroma is queried only once
    /// the search is handed to <see cref="RetrieveWithAsync"/>.
    /// The branch uses no DbContext. Dispose it in any case: a branch nobody used is cancelled and awaited there.
    /// </summary>
    /// <param name="timeLeft">
    /// As for <see cref="RetrieveAsync(string, string, int, IReadOnlyList{Guid}?, TimeSpan?, CancellationToken)"/>.
    /// </param>
    public PendingVectorSearch StartVectorSearch(string owner, string question, int topK, IReadOnlyList<Guid>? documentIds,
        TimeSpan? timeLeft, CancellationToken cancellationToken)
    {
        var vectorBound = timeLeft is { } left && left / 2 < options.Value.VectorSearchTimeout ? left / 2
            : options.Value.VectorSearchTimeout;
        var candidates = topK * options.Value.CandidateMultiplier;
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var proceed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var search = VectorSearchAsync(owner, question, candidates, documentIds, vectorBound, proceed.Task, stop.Token);
        return new PendingVectorSearch(new RetrievalRequest(owner, question, topK, candidates, documentIds), search, proceed, stop);
    }

    /// <summary>Retrieval of the question a vector branch started by <see cref="StartVectorSearch"/> was started for.</summary>
    public async Task<RetrievalResult> RetrieveWithAsync(PendingVectorSearch vector, CancellationToken cancellationToken)
    {
        var (owner, question, topK, candidates, documentIds) = vector.Request;
        using var span = ChatTelemetry.Source.StartActivity("rag.retrieve");
        span?.SetTag("rag.top_k", topK).SetTag("rag.candidates", candidates);
        vector.Proceed();
        var textIds = await FullTextSearchAsync(owner, question, candidates, documentIds, cancellationToken);
        var vectorHits = await vector.Search;
        var (vectorMatches, questionVector) = (vectorHits?.Matches, vectorHits?.Vector);
        var vectorIds = vectorMatches?.Select(m => m.Id).ToList();
        var similarity = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var match in vectorMatches ?? [])
        {
            // why: cosine space: Chroma's distance is 1 − similarity
            similarity.TryAdd(match.Id, 1 - match.Distance);
        }

        using var fuse = ChatTelemetry.Source.StartActivity("rag.fuse");
        var fused = Fuse(vectorIds ?? [], textIds, options.Value.RrfK);
        fuse?.SetTag("rag.fused", fused.Count);
        if (fused.Count == 0)
        {
            span?.SetTag("rag.passages", 0);
            return new RetrievalResult([], vectorIds is not null, true, questionVector);
        }

        var rows = await LoadPassagesAsync(owner, fused.Keys.ToArray(), cancellationToken);
        var allowed = documentIds is { Count: > 0 } ? documentIds.ToHashSet() : null;

        var passages = new List<RetrievedPassage>();
        var tokens = 0;
        var dropped = 0;
        var questionWords = PassageMatch.ContentWords(question);
        foreach (var row in rows.Where(r => allowed is null || allowed.Contains(r.DocumentId)).OrderByDescending(r => fused[r.Id]))
        {
            if (passages.Count >= topK || (passages.Count > 0 && tokens + row.TokenCount > options.Value.PromptTokenBudget))
            {
                break;
            }

            var match = PassageMatch.Of(questionWords, row.Heading, row.Text);
            double? cosine = similarity.TryGetValue(row.Id, out var s) ? s : null;
            if (!IsRelevant(cosine, match.Coverage, options.Value))
            {
                // why: a weak match is not cited: an unanswerable question gets no passages rather than unrelated ones
                dropped++;
                continue;
            }

            tokens += row.TokenCount;
            passages.Add(new RetrievedPassage(row.Id, row.DocumentId, row.Title, row.Text, row.Heading, row.Page, row.TokenCount,
                fused[row.Id], cosine, match.Coverage, match.Sentence));
        }

        fuse?.SetTag("rag.passages", passages.Count).SetTag("rag.prompt_tokens", tokens).SetTag("rag.below_cutoff", dropped);
        span?.SetTag("rag.passages", passages.Count).SetTag("rag.vector_search", vectorIds is null ? "unavailable" : "used");
        return new RetrievalResult(passages, vectorIds is not null, true, questionVector);
    }

    /// <summary>
    /// Chunk ids ranked by one branch or by their fusion, before the relevance cut-off and without a deadline: what
    /// bench/RetrievalBench measures (hit@k, MRR). An unavailable vector branch ranks nothing.
    /// </summary>
    public async Task<IReadOnlyList<string>> RankAsync(string owner, string question, int count, RetrievalMode mode,
        CancellationToken cancellationToken)
    {
        IReadOnlyList<string> text = mode == RetrievalMode.Vector
            ? []
            : await FullTextSearchAsync(owner, question, count, null, cancellationToken);
        IReadOnlyList<string> vector = mode == RetrievalMode.FullText
            ? []
            : (await VectorSearchAsync(owner, question, count, null, options.Value.VectorSearchTimeout, Task.CompletedTask,
                cancellationToken))?
              .Matches.Select(m => m.Id).ToList() ?? [];
        return mode switch
        {
            RetrievalMode.FullText => text,
            RetrievalMode.Vector => vector,
            _ => Fuse(vector, text, options.Value.RrfK).OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => kv.Key).Take(count).ToList(),
        };
    }

    /// <summary>
    /// The relevance cut-off: near enough in meaning (<see cref="RetrievalOptions.MinVectorSimilarity"/>) or holding
    /// enough of the question's words (<see cref="RetrievalOptions.MinTermCoverage"/>).
    /// </summary>
    public static bool IsRelevant(double? similarity, double coverage, RetrievalOptions options) =>
        (similarity is { } s && s >= options.MinVectorSimilarity) || coverage >= options.MinTermCoverage
        || (options.MinVectorSimilarity <= 0 && similarity is not null);

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

        var all = documentIds is not { Count: > 0 };
        var hits = await db.Database.SqlQueryRaw<string>(FullTextSql,
                new NpgsqlParameter("owner", owner), new NpgsqlParameter("all", all),
                new NpgsqlParameter("documents", documentIds?.ToArray() ?? []), new NpgsqlParameter("query", query),
                new NpgsqlParameter("count", count))
            .ToListAsync(cancellationToken);
        span?.SetTag("rag.hits", hits.Count);
        return hits;
    }

    /// <summary>The candidates' rows with their document's title (the caller's, not failed), in a span of their own.</summary>
    private async Task<List<PassageRow>> LoadPassagesAsync(string owner, string[] ids, CancellationToken cancellationToken)
    {
        using var span = ChatTelemetry.Source.StartActivity("rag.load_passages");
        var rows = await PassageRows(db, owner, ids).ToListAsync(cancellationToken);
        span?.SetTag("rag.rows", rows.Count);
        return rows;
    }

    // why: PostgreSQL parses a tsquery on every evaluation of to_tsquery(config, $query): in the prepared (generic) plan
    // that was once per candidate row in the filter and again in the rank. Here each configuration's tsquery is an
    // uncorrelated sub-select, which PostgreSQL runs once per execution (an InitPlan) and the GIN index takes as its key:
    // the statement went from 0.74–0.89 to 0.14–0.17 ms over bench/ChatBench's corpus. LINQ cannot say "once", hence SQL.
    // Each chunk is matched with the query parsed in its own language and ranked with it; @all searches every document of
    // the owner, else @documents.
    private static readonly string FullTextSql = $"""
        SELECT c."Id" AS "Value" FROM document_chunks AS c
        WHERE c."Owner" = @owner AND (@all OR c."DocumentId" = ANY (@documents))
          AND ({string.Join(" OR ", TextLanguage.Configurations.Select(l =>
              $"(c.\"SearchConfig\" = '{l}' AND c.\"SearchVector\" @@ (SELECT to_tsquery('{l}', @query)))"))})
        ORDER BY ts_rank(c."SearchVector", CASE c."SearchConfig" {string.Concat(TextLanguage.Configurations.Select(l =>
            $"WHEN '{l}' THEN (SELECT to_tsquery('{l}', @query)) "))}END) DESC, c."Id"
        LIMIT @count
        """;

    // why: compiled once: EF otherwise walks and parameterises its expression tree on every turn
    private static readonly Func<ChatDbContext, string, string[], IAsyncEnumerable<PassageRow>> PassageRows =
        EF.CompileAsyncQuery((ChatDbContext db, string owner, string[] ids) =>
            from c in db.Chunks.AsNoTracking()
            join d in db.Documents.AsNoTracking() on c.DocumentId equals d.Id
            where ids.Contains(c.Id) && c.Owner == owner && d.Owner == owner && d.Status != DocumentStatus.Failed
            select new PassageRow(c.Id, c.DocumentId, d.Title, c.Text, c.Heading, c.Page, c.TokenCount));

    /// <summary>A candidate chunk with its document's title, as the passage loader reads it.</summary>
    private sealed record PassageRow(string Id, Guid DocumentId, string Title, string Text, string? Heading, int? Page, int TokenCount);

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

    /// <summary>
    /// Chunks nearest to the question (id, cosine distance) and the question's vector, or null when the vector branch is
    /// unavailable. Chroma is queried once <paramref name="proceed"/> completes (within the same bound).
    /// </summary>
    private async Task<(IReadOnlyList<ChromaMatch> Matches, float[] Vector)?> VectorSearchAsync(string owner, string question, int count,
        IReadOnlyList<Guid>? documentIds, TimeSpan bound, Task proceed, CancellationToken cancellationToken)
    {
        if (!embeddings.IsConfigured || !vectorQueries.IsConfigured)
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
            var started = time.GetTimestamp();
            using (ChatTelemetry.Source.StartActivity("rag.embed_query"))
            {
                vector = await embeddings.EmbedQueryAsync(question, timeout.Token);
            }

            if (!proceed.IsCompleted)
            {
                // The wait for the caller (its answer-cache lookup) is not the branch's time: the query gets what the
                // embedding left of the bound.
                var left = bound - time.GetElapsedTime(started);
                // why: the bound pauses while the caller decides; that wait ends when the caller hands the search on or
                // disposes it (which cancels it), and with the turn's own token
                limit.CancelAfter(Timeout.InfiniteTimeSpan);
                timeout.Token.ThrowIfCancellationRequested();
                await proceed.WaitAsync(cancellationToken);
                limit.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            }

            using var query = ChatTelemetry.Source.StartActivity("rag.vector_query");
            // why: the question's dimension picks the collection, so a query never meets vectors of another model
            var space = embeddings.SpaceFor(vector.Length);
            var (matches, batchSize) = await vectorQueries.QueryAsync(space, vector, count, owner, documentIds?.ToList(), timeout.Token);
            query?.SetTag("rag.hits", matches.Count).SetTag("chroma.batch_size", batchSize);
            span?.SetTag("rag.hits", matches.Count);
            return (matches, vector);
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

/// <summary>
/// A vector branch on its way (<see cref="HybridRetriever.StartVectorSearch"/>): its matches and the question's vector,
/// or null when the branch is unavailable. Disposing it cancels and awaits a branch that has not finished, so none
/// outlives its turn.
/// </summary>
public sealed class PendingVectorSearch(RetrievalRequest request, Task<(IReadOnlyList<ChromaMatch> Matches, float[] Vector)?> search,
    TaskCompletionSource proceed, CancellationTokenSource stop) : IAsyncDisposable
{
    /// <summary>The retrieval this branch belongs to.</summary>
    public RetrievalRequest Request { get; } = request;

    public Task<(IReadOnlyList<ChromaMatch> Matches, float[] Vector)?> Search { get; } = search;

    /// <summary>Lets the branch query Chroma once the question is embedded.</summary>
    public void Proceed() => proceed.TrySetResult();

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!Search.IsCompletedSuccessfully)
        {
            await stop.CancelAsync();
            try
            {
                await Search;
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // why: the branch swallows its own failures unless cancelled; cancelled here, nobody needs its answer any
                // more (a cached answer, or the turn failed and the caller sees that failure)
            }
        }

        stop.Dispose();
    }
}

/// <summary>
/// What one retrieval looks for: the caller's question, topK, the candidates each branch ranks, the documents (null: all).
/// </summary>
public sealed record RetrievalRequest(string Owner, string Question, int TopK, int Candidates, IReadOnlyList<Guid>? DocumentIds);

/// <summary>Which retrieval branch <see cref="HybridRetriever.RankAsync"/> ranks with.</summary>
public enum RetrievalMode
{
    FullText,
    Vector,
    Hybrid,
}
