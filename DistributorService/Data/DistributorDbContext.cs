using DurableJobs;
using Microsoft.EntityFrameworkCore;

namespace DistributorService.Data;

/// <summary>The DistributorService database (`distdb`): its own entities plus the durable job table.</summary>
public sealed class DistributorDbContext(DbContextOptions<DistributorDbContext> options) : DbContext(options)
{
    public DbSet<Destination> Destinations => Set<Destination>();
    public DbSet<AcceptedEvent> Events => Set<AcceptedEvent>();
    public DbSet<Distribution> Distributions => Set<Distribution>();
    public DbSet<DeliveryAttempt> DeliveryAttempts => Set<DeliveryAttempt>();
    public DbSet<IntakeControl> IntakeControl => Set<IntakeControl>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(DistributorDbContext).Assembly);
        modelBuilder.ApplyDurableJobs();
    }
}
