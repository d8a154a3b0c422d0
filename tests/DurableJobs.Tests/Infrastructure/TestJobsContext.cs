using Microsoft.EntityFrameworkCore;

namespace DurableJobs.Tests.Infrastructure;

/// <summary>A service's own DbContext as the mechanism expects it: its entities plus the job table.</summary>
public sealed class TestJobsContext(DbContextOptions<TestJobsContext> options) : DbContext(options)
{
    public DbSet<JobRecord> Jobs => Set<JobRecord>();

    public DbSet<Note> Notes => Set<Note>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyDurableJobs();
        modelBuilder.Entity<Note>(note =>
        {
            note.ToTable("notes");
            note.Property(n => n.Id).HasColumnName("id");
            note.Property(n => n.Text).HasColumnName("text");
        });
    }
}
