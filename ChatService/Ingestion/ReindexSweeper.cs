using ChatService.Chroma;
using ChatService.Data;
using ChatService.Llm;
using DurableJobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatService.Ingestion;

/// <summary>
/// Periodically gives every <c>pending_index</c> document an index-only job on the durable <c>ingestion</c> queue.
/// The idempotency key includes the document's attempt count, so one job per attempt exists however often the sweep runs
/// and however many replicas run it; the job itself is the probe that finds out whether Chroma and embeddings are back.
/// A <c>ready</c> document indexed by another embedding provider or model than the configured one is put back to
/// <c>pending_index</c> first (<see cref="MarkStaleAsync"/>), so a provider change re-embeds it into the new model's
/// collection instead of mixing vectors; until then it is found by full text.
/// </summary>
public sealed class ReindexSweeper(
    IServiceScopeFactory scopes,
    EmbeddingService embeddings,
    ChromaClient chroma,
    IOptions<IngestionOptions> options,
    TimeProvider time,
    ILogger<ReindexSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReindexInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or DbUpdateException or InvalidOperationException)
            {
                logger.LogWarning("Re-index sweep failed: {Error}", ex.Message);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Never end the sweeper (an exception escaping ExecuteAsync stops the host); the next tick tries again.
                logger.LogError(ex, "Re-index sweep failed unexpectedly");
            }
        }
    }

    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        var scheduler = scope.ServiceProvider.GetRequiredService<IJobScheduler>();
        await MarkStaleAsync(db, cancellationToken);
        var pending = await db.Documents.AsNoTracking()
            .Where(d => d.Status == DocumentStatus.PendingIndex)
            .OrderBy(d => d.UpdatedAt)
            .Take(options.Value.ReindexBatch)
            .Select(d => new { d.Id, d.Owner, d.IndexAttempts })
            .ToListAsync(cancellationToken);
        var created = 0;
        foreach (var document in pending)
        {
            var enqueue = new EnqueueOptions(Owner: document.Owner, IdempotencyKey: $"index:{document.Id:N}:{document.IndexAttempts}");
            var result = await scheduler.EnqueueAsync(new IngestionJobPayload(document.Id, IndexOnly: true), enqueue, cancellationToken);
            created += result.Created ? 1 : 0;
        }

        return created;
    }

    /// <summary>
    /// Ready documents whose vectors are not in the configured model's space become <c>pending_index</c> (a batch per
    /// sweep); the attempt count moves on so the index-only job gets a new idempotency key.
    /// </summary>
    public async Task<int> MarkStaleAsync(ChatDbContext db, CancellationToken cancellationToken)
    {
        if (embeddings.ModelKey is not { } current || !chroma.IsConfigured)
        {
            return 0;
        }

        var now = time.GetUtcNow();
        var reason = $"Re-indexing with the embedding model {current.TrimEnd(':')}";
        var stale = db.Documents
            .Where(d => d.Status == DocumentStatus.Ready && (d.EmbeddingModel == null || !d.EmbeddingModel.StartsWith(current)))
            .OrderBy(d => d.UpdatedAt)
            .Take(options.Value.ReindexBatch)
            .Select(d => d.Id);
        return await db.Documents
            .Where(d => stale.Contains(d.Id) && d.Status == DocumentStatus.Ready)
            .ExecuteUpdateAsync(set => set
                .SetProperty(d => d.Status, DocumentStatus.PendingIndex)
                .SetProperty(d => d.Error, reason)
                .SetProperty(d => d.IndexAttempts, d => d.IndexAttempts + 1)
                .SetProperty(d => d.UpdatedAt, now), cancellationToken);
    }
}
