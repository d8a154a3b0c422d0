using DurableJobs;
using Microsoft.EntityFrameworkCore;

namespace EvaluationService.Data;

/// <summary>The EvaluationService database (`evaldb`): its own entities plus the durable job table.</summary>
public sealed class EvaluationDbContext(DbContextOptions<EvaluationDbContext> options) : DbContext(options)
{
    public DbSet<Suite> Suites => Set<Suite>();

    public DbSet<SuiteCase> SuiteCases => Set<SuiteCase>();

    public DbSet<EvaluationRun> Runs => Set<EvaluationRun>();

    public DbSet<CaseResult> CaseResults => Set<CaseResult>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(EvaluationDbContext).Assembly);
        modelBuilder.ApplyDurableJobs();
    }
}
