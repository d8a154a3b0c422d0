using System.Runtime.CompilerServices;
using DurableJobs.Storage;
using Microsoft.EntityFrameworkCore;

namespace DurableJobs.Dispatch;

/// <summary>
/// Jobs written through a DbContext whose dispatch must wait for the commit of that context's transaction:
/// a worker must never see a stream entry for a row it cannot read yet. Keyed weakly by context instance
/// (pooled contexts are reused, so the lists are cleared on commit, rollback and failure).
/// </summary>
internal sealed class PendingDispatches
{
    private readonly ConditionalWeakTable<DbContext, Pending> _pending = new();

    /// <summary>Rows added by the SaveChanges in progress.</summary>
    public void BeginSave(DbContext context, List<DispatchItem> items)
    {
        var pending = _pending.GetOrCreateValue(context);
        lock (pending)
        {
            pending.Saving = items;
        }
    }

    /// <summary>
    /// The save went through: returns the rows it saved and those to dispatch now (the same rows, or none when a
    /// transaction is open: they wait for its commit).
    /// </summary>
    public (List<DispatchItem> Saved, List<DispatchItem> DispatchNow) EndSave(DbContext context, bool inTransaction)
    {
        if (!_pending.TryGetValue(context, out var pending))
        {
            return ([], []);
        }

        lock (pending)
        {
            var saved = pending.Saving;
            pending.Saving = [];
            if (!inTransaction)
            {
                return (saved, saved);
            }

            pending.AwaitingCommit.AddRange(saved);
            return (saved, []);
        }
    }

    public void AbortSave(DbContext context)
    {
        if (_pending.TryGetValue(context, out var pending))
        {
            lock (pending)
            {
                pending.Saving = [];
            }
        }
    }

    /// <summary>A job inserted with raw SQL inside the caller's transaction.</summary>
    public void AwaitCommit(DbContext context, DispatchItem item)
    {
        var pending = _pending.GetOrCreateValue(context);
        lock (pending)
        {
            pending.AwaitingCommit.Add(item);
        }
    }

    /// <summary>The transaction committed (take its rows) or ended otherwise (<paramref name="committed"/> false: drop them).</summary>
    public List<DispatchItem> EndTransaction(DbContext context, bool committed)
    {
        if (!_pending.TryGetValue(context, out var pending))
        {
            return [];
        }

        lock (pending)
        {
            var items = pending.AwaitingCommit;
            pending.AwaitingCommit = [];
            return committed ? items : [];
        }
    }

    private sealed class Pending
    {
        public List<DispatchItem> Saving { get; set; } = [];

        public List<DispatchItem> AwaitingCommit { get; set; } = [];
    }
}
