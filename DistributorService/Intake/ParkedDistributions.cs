using DistributorService.Data;
using Microsoft.EntityFrameworkCore;

namespace DistributorService.Intake;

/// <summary>Puts distributions parked while their destination was paused or disabled back in the queue.</summary>
public sealed class ParkedDistributions(DistributorDbContext db, DeliveryJobs jobs)
{
    private const int Chunk = 500;

    public async Task<int> RequeueAsync(Guid destinationId, CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            var destination = await db.Destinations.AsNoTracking().FirstOrDefaultAsync(d => d.Id == destinationId, cancellationToken);
            if (destination is null || !destination.Enabled || destination.Paused)
            {
                return total;
            }

            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var parked = await db.Distributions
                .FromSql($"""
                    SELECT * FROM distributions
                    WHERE "DestinationId" = {destinationId} AND "Status" = 'pending' AND "JobId" IS NULL
                    ORDER BY "Sequence" LIMIT {Chunk} FOR UPDATE SKIP LOCKED
                    """)
                .ToListAsync(cancellationToken);
            foreach (var distribution in parked)
            {
                jobs.Stage(distribution, destination);
            }

            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            db.ChangeTracker.Clear();
            total += parked.Count;
            if (parked.Count < Chunk)
            {
                return total;
            }
        }
    }
}
