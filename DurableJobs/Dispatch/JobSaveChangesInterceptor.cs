using DurableJobs.Monitoring;
using DurableJobs.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace DurableJobs.Dispatch;

/// <summary>
/// Dispatches jobs added to the change tracker (<see cref="IJobScheduler.Stage"/>) once SaveChanges has stored them,
/// or, inside an explicit transaction, once it commits (<see cref="JobTransactionInterceptor"/>).
/// </summary>
internal sealed class JobSaveChangesInterceptor(PendingDispatches pending, JobDispatcher dispatcher,
    JobTelemetry telemetry) : SaveChangesInterceptor
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (eventData.Context is { } context)
        {
            var (saved, items) = pending.EndSave(context, context.Database.CurrentTransaction is not null);
            Count(saved);
            // A synchronous SaveChanges cannot await Redis; the dispatch runs on and logs its own failures.
            dispatcher.DispatchInBackground(items);
        }

        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result,
        CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } context)
        {
            var (saved, items) = pending.EndSave(context, context.Database.CurrentTransaction is not null);
            Count(saved);
            // Not the caller's token: the rows are committed, so a cancelled request must not turn into an exception here.
            // why: see the comment above; bounded by RedisLink
            await dispatcher.DispatchAsync(items, CancellationToken.None).ConfigureAwait(false);
        }

        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Abort(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Abort(eventData.Context);
        return Task.CompletedTask;
    }

    public override void SaveChangesCanceled(DbContextEventData eventData) => Abort(eventData.Context);

    public override Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        Abort(eventData.Context);
        return Task.CompletedTask;
    }

    private void Collect(DbContext? context)
    {
        if (context is null)
        {
            return;
        }

        var added = new List<DispatchItem>();
        foreach (var entry in context.ChangeTracker.Entries<JobRecord>())
        {
            if (entry.State == EntityState.Added)
            {
                added.Add(new DispatchItem(entry.Entity.Id, entry.Entity.Queue));
            }
        }

        if (added.Count > 0)
        {
            pending.BeginSave(context, added);
        }
    }

    private void Count(List<DispatchItem> saved)
    {
        foreach (var queue in saved.GroupBy(i => i.Queue, StringComparer.Ordinal))
        {
            telemetry.Enqueued(queue.Key, queue.Count());
        }
    }

    private void Abort(DbContext? context)
    {
        if (context is not null)
        {
            pending.AbortSave(context);
        }
    }
}
