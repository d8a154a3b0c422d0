using DistributorService.Data;
using Microsoft.EntityFrameworkCore;

namespace DistributorService.Intake;

/// <summary>
/// Whether intake is paused (<c>POST /admin/intake/pause|resume</c>). The flag lives in PostgreSQL so every instance
/// obeys it; each instance reads it at most once per second.
/// </summary>
public sealed class IntakeGate(TimeProvider time)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private bool _paused;
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    public async Task<bool> IsPausedAsync(DistributorDbContext db, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (time.GetUtcNow() - _readAt < CacheFor)
            {
                return _paused;
            }
        }

        var paused = await db.IntakeControl.AsNoTracking()
            .Where(c => c.Id == IntakeControl.SingletonId).Select(c => c.Paused).FirstOrDefaultAsync(cancellationToken);
        Remember(paused);
        return paused;
    }

    public async Task SetAsync(DistributorDbContext db, bool paused, string? by, CancellationToken cancellationToken)
    {
        await db.IntakeControl.Where(c => c.Id == IntakeControl.SingletonId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Paused, paused)
                .SetProperty(c => c.UpdatedAt, time.GetUtcNow())
                .SetProperty(c => c.UpdatedBy, by), cancellationToken);
        Remember(paused);
    }

    private void Remember(bool paused)
    {
        lock (_gate)
        {
            _paused = paused;
            _readAt = time.GetUtcNow();
        }
    }
}
