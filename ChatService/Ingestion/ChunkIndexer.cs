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
        if (!embeddings.IsConfigured)
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
            if (vectors.Count == 0)
            {
                document.EmbeddingModel = null;
                return null;
            }

            var space = embeddings.SpaceFor(vectors[0].Length);
            if (vectors.Any(v => v.Length != space.Dimensions))
            {
                throw new LlmUnavailableException("EMBEDDINGS_INCONSISTENT",
                    $"The embedding model returned vectors of different dimensions for one document ({space.Key}).");
            }

            var records = chunks.Select((c, i) => new ChromaRecord(c.Id, vectors[i], c.Text, document.Owner, document.Id)).ToList();
            foreach (var batch in records.Chunk(256))
            {
                await chroma.UpsertAsync(space, batch, cancellationToken);
            }

            var previous = EmbeddingSpace.TryParse(document.EmbeddingModel);
            document.EmbeddingModel = space.Key;
            if (previous is not null && previous != space)
            {
                await ForgetPreviousAsync(previous, document.Id, cancellationToken);
            }

            return null;
        }
        catch (Exception ex) when (IsDependencyFailure(ex, cancellationToken))
        {
            logger.LogWarning("Vector indexing of document {DocumentId} deferred: {Error}", document.Id, ex.Message);
            return $"Vector index unavailable: {ex.GetType().Name}: {ex.Message}";
        }
    }

    /// <summary>Re-indexed in another space: the old collection's vectors of the document go, best effort.</summary>
    private async Task ForgetPreviousAsync(EmbeddingSpace previous, Guid documentId, CancellationToken cancellationToken)
    {
        try
        {
            await chroma.DeleteDocumentAsync(previous, documentId, cancellationToken);
        }
        catch (Exception ex) when (IsDependencyFailure(ex, cancellationToken))
        {
            // why: orphan vectors are harmless, no query reads the old space once the provider changed
            logger.LogWarning("Vectors of document {DocumentId} stay in {Space}: {Error}", documentId, previous.Key, ex.Message);
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
