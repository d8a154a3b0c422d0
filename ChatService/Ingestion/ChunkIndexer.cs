using ChatService.Chroma;
using ChatService.Data;
using ChatService.Llm;
using Microsoft.EntityFrameworkCore;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace ChatService.Ingestion;

/// <summary>
/// Embeds a document's stored chunks in batches and upserts them into the Chroma collection of the embedding model.
/// A failure of Chroma or of the embedding model is an expected state (the document stays searchable by full text),
/// reported as a reason rather than thrown.
/// </summary>
public sealed class ChunkIndexer(ChatDbContext db, EmbeddingService embeddings, ChromaClient chroma, ILogger<ChunkIndexer> logger)
{
    /// <summary>Null on success, else why the document could not be vector-indexed now.</summary>
    public async Task<string?> TryIndexAsync(Document document, CancellationToken cancellationToken)
    {
        if (!embeddings.IsConfigured || embeddings.ModelName is not { } model)
        {
            return "No embedding model is configured.";
        }

        if (!chroma.IsConfigured)
        {
            return "Chroma is not configured.";
        }

        var chunks = await db.Chunks.AsNoTracking()
            .Where(c => c.DocumentId == document.Id)
            .OrderBy(c => c.Ordinal)
            .Select(c => new { c.Id, c.Text, c.Heading })
            .ToListAsync(cancellationToken);
        try
        {
            var texts = chunks.Select(c => c.Heading is null ? c.Text : $"{c.Heading}\n{c.Text}").ToList();
            var vectors = await embeddings.EmbedManyAsync(texts, cancellationToken);
            var records = chunks.Select((c, i) => new ChromaRecord(c.Id, vectors[i], c.Text, document.Owner, document.Id)).ToList();
            foreach (var batch in records.Chunk(256))
            {
                await chroma.UpsertAsync(model, batch, cancellationToken);
            }

            document.EmbeddingModel = model;
            return null;
        }
        catch (Exception ex) when (IsDependencyFailure(ex, cancellationToken))
        {
            logger.LogWarning("Vector indexing of document {DocumentId} deferred: {Error}", document.Id, ex.Message);
            return $"Vector index unavailable: {ex.GetType().Name}: {ex.Message}";
        }
    }

    private static bool IsDependencyFailure(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        LlmUnavailableException or ChromaUnavailableException or HttpRequestException or BrokenCircuitException
            or TimeoutRejectedException or OllamaSharp.Models.Exceptions.OllamaException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };
}
