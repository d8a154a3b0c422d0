using DurableJobs;
using Microsoft.EntityFrameworkCore;

namespace JobsBench;

/// <summary>A service DbContext that holds nothing but the job table.</summary>
public sealed class BenchContext(DbContextOptions<BenchContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.ApplyDurableJobs();
}
