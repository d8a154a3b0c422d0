using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DurableJobs.Storage;

/// <summary>
/// Deterministic mapping of <see cref="JobRecord"/> to table <c>jobs</c>, so every service's migrations agree with
/// the SQL the workers run. Column names are spelled out (not left to a naming convention) for the same reason.
/// </summary>
internal sealed class JobRecordConfiguration : IEntityTypeConfiguration<JobRecord>
{
    public void Configure(EntityTypeBuilder<JobRecord> builder)
    {
        builder.ToTable(JobColumns.Table);
        builder.HasKey(j => j.Id).HasName("pk_jobs");

        builder.Property(j => j.Id).HasColumnName(JobColumns.Id).ValueGeneratedNever();
        builder.Property(j => j.Queue).HasColumnName(JobColumns.Queue).HasMaxLength(64).IsRequired();
        builder.Property(j => j.State).HasColumnName(JobColumns.State).HasMaxLength(16).IsRequired()
            .HasConversion(s => JobStateNames.ToText(s), s => JobStateNames.Parse(s));
        builder.Property(j => j.Owner).HasColumnName(JobColumns.Owner).HasMaxLength(200);
        builder.Property(j => j.Payload).HasColumnName(JobColumns.Payload).HasColumnType("jsonb").IsRequired();
        builder.Property(j => j.IdempotencyKey).HasColumnName(JobColumns.IdempotencyKey).HasMaxLength(200);
        builder.Property(j => j.Attempt).HasColumnName(JobColumns.Attempt);
        builder.Property(j => j.MaxAttempts).HasColumnName(JobColumns.MaxAttempts);
        builder.Property(j => j.TimeoutMs).HasColumnName(JobColumns.TimeoutMs);
        // Time that leases and claims compare against is the database's clock, one clock for every replica.
        builder.Property(j => j.NextAttemptAt).HasColumnName(JobColumns.NextAttemptAt).HasDefaultValueSql("now()");
        builder.Property(j => j.LeaseOwner).HasColumnName(JobColumns.LeaseOwner).HasMaxLength(200);
        builder.Property(j => j.LeaseExpiresAt).HasColumnName(JobColumns.LeaseExpiresAt);
        builder.Property(j => j.HeartbeatAt).HasColumnName(JobColumns.HeartbeatAt);
        builder.Property(j => j.CancelRequested).HasColumnName(JobColumns.CancelRequested);
        builder.Property(j => j.DispatchedAt).HasColumnName(JobColumns.DispatchedAt).HasDefaultValueSql("now()");
        builder.Property(j => j.CreatedAt).HasColumnName(JobColumns.CreatedAt).HasDefaultValueSql("now()");
        builder.Property(j => j.StartedAt).HasColumnName(JobColumns.StartedAt);
        builder.Property(j => j.FinishedAt).HasColumnName(JobColumns.FinishedAt);
        builder.Property(j => j.Result).HasColumnName(JobColumns.Result).HasColumnType("jsonb"); // why: a column, not Task.Result
        builder.Property(j => j.ErrorCode).HasColumnName(JobColumns.ErrorCode).HasMaxLength(100);
        builder.Property(j => j.ErrorMessage).HasColumnName(JobColumns.ErrorMessage).HasMaxLength(4000);
        builder.Property(j => j.TraceParent).HasColumnName(JobColumns.TraceParent).HasMaxLength(128);

        builder.HasIndex(j => new { j.Queue, j.IdempotencyKey })
            .HasDatabaseName("ix_jobs_queue_idempotency_key")
            .IsUnique()
            .HasFilter("idempotency_key IS NOT NULL");
        // Claiming, re-dispatch, depth and oldest-age all walk this small partial index.
        builder.HasIndex(j => new { j.Queue, j.NextAttemptAt })
            .HasDatabaseName("ix_jobs_queued")
            .HasFilter("state = 'queued'");
        builder.HasIndex(j => new { j.Queue, j.LeaseExpiresAt })
            .HasDatabaseName("ix_jobs_running")
            .HasFilter("state = 'running'");
        builder.HasIndex(j => new { j.Queue, j.FinishedAt, j.Id })
            .HasDatabaseName("ix_jobs_dead_lettered")
            .HasFilter("state = 'dead_lettered'");
        builder.HasIndex(j => new { j.Owner, j.CreatedAt })
            .HasDatabaseName("ix_jobs_owner_created_at");
    }
}
