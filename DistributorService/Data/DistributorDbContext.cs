using DurableJobs;
using Microsoft.EntityFrameworkCore;

namespace DistributorService.Data;

/// <summary>The DistributorService database (`distdb`): its own entities plus the durable job table.</summary>
public sealed class DistributorDbContext(DbContextOptions<DistributorDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(DistributorDbContext).Assembly);
        modelBuilder.ApplyDurableJobs();
    }
}
