using ChatService.Data;
using DurableJobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatService.Ingestion;

/// <summary>
/// Periodically gives every <c>pending_index</c> document an index-only job on the durable <c>ingestion</c> queue.
/// The idempotency key includes the document's attempt count, so one job per attempt exists however often the sweep runs
/// and however many replicas run it; the job itself is the probe that finds out whether Chroma and embeddings are back.
/// </summary>
public sealed class ReindexSweeper(
    IServiceScopeFactory scopes,
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
}
