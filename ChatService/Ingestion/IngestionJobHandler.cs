using ChatService.Activity;
using ChatService.Data;
using ChatService.Events;
using DurableJobs;
using DurableJobs.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ChatService.Ingestion;

/// <summary>
/// Queue <c>ingestion</c>: extract → chunk → store chunks (full-text searchable from then on) → embed and upsert into
/// Chroma. Every step is idempotent (chunks are replaced, vectors upserted under stable ids), so a retried attempt is safe.
/// </summary>
public sealed class IngestionJobHandler(
    ChatDbContext db,
    ChunkIndexer indexer,
    PdfSandbox pdfSandbox,
    ActivityHub activity,
    EventPublisher events,
    IOptions<IngestionOptions> options,
    TimeProvider time,
    ILogger<IngestionJobHandler> logger) : IJobHandler<IngestionJobPayload>
{
    public async Task<object?> HandleAsync(IngestionJobPayload payload, JobContext job, CancellationToken cancellationToken)
    {
        var document = await db.Documents.FirstOrDefaultAsync(d => d.Id == payload.DocumentId, cancellationToken);
        if (document is null)
        {
            return new { status = "deleted" };
        }

        if (!payload.IndexOnly && document.Status is DocumentStatus.Queued or DocumentStatus.Processing)
        {
            if (!await ExtractAndStoreAsync(document, cancellationToken))
            {
                return new { status = document.Status, error = document.Error };
            }
        }
        else if (document.Status != DocumentStatus.PendingIndex)
        {
            return new { status = document.Status };
        }

        var deferred = await indexer.TryIndexAsync(document, cancellationToken);
        document.Status = deferred is null ? DocumentStatus.Ready : DocumentStatus.PendingIndex;
        document.Error = deferred;
        document.IndexAttempts += deferred is null ? 0 : 1;
        document.UpdatedAt = time.GetUtcNow();
        if (deferred is null)
        {
            // why: the event commits with the status it reports (transactional outbox); a failed save stages nothing
            events.StageReady(document);
        }

        await db.SaveChangesAsync(cancellationToken);
        await PublishAsync(document, cancellationToken);
        return new { status = document.Status, chunks = document.ChunkCount };
    }

    private async Task<bool> ExtractAndStoreAsync(Document document, CancellationToken cancellationToken)
    {
        document.Status = DocumentStatus.Processing;
        document.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        await PublishAsync(document, cancellationToken);

        var content = await db.DocumentContents.AsNoTracking().FirstAsync(c => c.DocumentId == document.Id, cancellationToken);
        IReadOnlyList<Chunk> chunks;
        try
        {
            // why: PDFs are parsed in a limited child process (PdfSandbox); the text formats are parsed here, they are simple
            var blocks = document.Kind == "pdf"
                ? await pdfSandbox.ExtractAsync(content.Bytes, cancellationToken)
                : TextExtractor.Extract(document.Kind, content.Bytes);
            chunks = Chunker.Split(blocks, options.Value.ChunkTokens, options.Value.ChunkOverlapTokens);
            if (chunks.Count == 0)
            {
                throw new MalformedDocumentException("The document contains no text.");
            }
        }
        catch (MalformedDocumentException ex)
        {
            logger.LogWarning("Document {DocumentId} failed extraction: {Error}", document.Id, ex.Message);
            document.Status = DocumentStatus.Failed;
            document.Error = ex.Message;
            document.UpdatedAt = time.GetUtcNow();
            events.StageFailed(document);
            await db.SaveChangesAsync(cancellationToken);
            await PublishAsync(document, cancellationToken);
            return false;
        }

        var language = TextLanguage.Detect(chunks.Select(c => c.Text));
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Chunks.Where(c => c.DocumentId == document.Id).ExecuteDeleteAsync(cancellationToken);
        db.Chunks.AddRange(chunks.Select(c => new DocumentChunk
        {
            Id = DocumentChunk.IdFor(document.Id, c.Ordinal),
            DocumentId = document.Id,
            Owner = document.Owner,
            Ordinal = c.Ordinal,
            Text = c.Text,
            Heading = c.Heading,
            Page = c.Page,
            TokenCount = c.TokenCount,
            SearchConfig = language,
        }));
        document.ChunkCount = chunks.Count;
        document.Language = language;
        document.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        db.Attach(document);
        return true;
    }

    private Task PublishAsync(Document document, CancellationToken cancellationToken) =>
        activity.PublishAsync(document.Owner, "ingestion", new Dictionary<string, string?>
        {
            ["documentId"] = document.Id.ToString(),
            ["status"] = document.Status,
            ["chunks"] = document.ChunkCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["error"] = document.Error,
        }, cancellationToken);
}
