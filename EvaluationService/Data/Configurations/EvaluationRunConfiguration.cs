using EvaluationService.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EvaluationService.Data.Configurations;

internal sealed class EvaluationRunConfiguration : IEntityTypeConfiguration<EvaluationRun>
{
    public void Configure(EntityTypeBuilder<EvaluationRun> builder)
    {
        builder.ToTable("runs");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Owner).HasMaxLength(200);
        builder.Property(r => r.SuiteName).HasMaxLength(200);
        builder.Property(r => r.Status).HasMaxLength(20);
        builder.Property(r => r.IdempotencyKey).HasMaxLength(200);
        builder.Property(r => r.ErrorCode).HasMaxLength(100);
        builder.Property(r => r.Summary).HasColumnType("jsonb");
        builder.HasIndex(r => new { r.Owner, r.CreatedAt });
        builder.HasIndex(r => new { r.Owner, r.IdempotencyKey }).IsUnique().HasFilter("\"IdempotencyKey\" IS NOT NULL");
        builder.HasIndex(r => r.Status);
    }
}
