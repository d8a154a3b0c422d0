using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace DurableJobs.Dispatch;

/// <summary>Dispatches the jobs of a transaction after it commits; drops them when it rolls back or fails.</summary>
internal sealed class JobTransactionInterceptor(PendingDispatches pending, JobDispatcher dispatcher) : DbTransactionInterceptor
{
    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (eventData.Context is { } context)
        {
            var items = pending.EndTransaction(context, committed: true);
            // A synchronous Commit cannot await Redis; the dispatch runs on and logs its own failures.
            dispatcher.DispatchInBackground(items);
        }
    }

    public override async Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData,
        CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } context)
        {
            var items = pending.EndTransaction(context, committed: true);
            // Not the caller's token: the transaction is committed, so cancellation must not surface as a failure.
            // why: the transaction committed; dispatch is bounded by RedisLink and best effort
            await dispatcher.DispatchAsync(items, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A new transaction starts with nothing pending: a previous one on this (pooled) context that was disposed without
    /// commit or rollback left its jobs here, and they must never be dispatched by a later commit.
    /// </summary>
    public override DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        Drop(eventData);
        return result;
    }

    public override ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData,
        DbTransaction result, CancellationToken cancellationToken = default)
    {
        Drop(eventData);
        return ValueTask.FromResult(result);
    }

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Drop(eventData);

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData,
        CancellationToken cancellationToken = default)
    {
        Drop(eventData);
        return Task.CompletedTask;
    }

    public override void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => Drop(eventData);

    public override Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData,
        CancellationToken cancellationToken = default)
    {
        Drop(eventData);
        return Task.CompletedTask;
    }

    private void Drop(TransactionEventData eventData)
    {
        if (eventData.Context is { } context)
        {
            pending.EndTransaction(context, committed: false);
        }
    }
}
