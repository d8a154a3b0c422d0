using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace DurableJobs;

/// <summary>What <see cref="AcceptOnceExtensions.AcceptOnceAsync"/> answered: the stored entity, and whether this call stored it.</summary>
public sealed record AcceptOnceResult<TEntity>(TEntity Entity, bool Created);

/// <summary>The accept pattern of every API: the entity and its job stored by one SaveChanges, at most once.</summary>
public static class AcceptOnceExtensions
{
    /// <summary>
    /// Stages the entity's job (<paramref name="stageJob"/>, typically <c>e =&gt; e.JobId = scheduler.Stage(job, options).Id</c>),
    /// adds <paramref name="entity"/> and stores both with one SaveChanges (inside the caller's transaction, if any); the job is
    /// dispatched once that commits. When the save hits a unique key (the same request accepted before, or by a concurrent
    /// call), the change tracker is cleared and <paramref name="findExisting"/> answers with the stored entity
    /// (<see cref="AcceptOnceResult{TEntity}.Created"/> false); without it the conflict propagates.
    /// A <see cref="JobValidationException"/> from staging leaves nothing tracked.
    /// </summary>
    public static async Task<AcceptOnceResult<TEntity>> AcceptOnceAsync<TEntity>(this DbContext db, TEntity entity,
        Action<TEntity> stageJob, Func<CancellationToken, Task<TEntity?>>? findExisting, CancellationToken cancellationToken)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(entity);
        ArgumentNullException.ThrowIfNull(stageJob);
        // why: staging validates first; adding the entity after it means a refused job leaves no half-accepted entity tracked.
        stageJob(entity);
        db.Add(entity);
        try
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return new AcceptOnceResult<TEntity>(entity, true);
        }
        catch (DbUpdateException ex) when (findExisting is not null
                                           && ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear();
            var existing = await findExisting(cancellationToken).ConfigureAwait(false)
                           ?? throw new InvalidOperationException($"Unique-key conflict without a stored {typeof(TEntity).Name}.", ex);
            return new AcceptOnceResult<TEntity>(existing, false);
        }
    }
}
