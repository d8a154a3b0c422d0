using EvaluationService.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EvaluationService.Data.Configurations;

internal sealed class CaseResultConfiguration : IEntityTypeConfiguration<CaseResult>
{
    public void Configure(EntityTypeBuilder<CaseResult> builder)
    {
        builder.ToTable("case_results");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Outcome).HasMaxLength(20);
        builder.Property(r => r.Citations).HasColumnType("jsonb");
        builder.Property(r => r.ErrorCode).HasMaxLength(100);
        builder.Property(r => r.JudgeError).HasMaxLength(500);
        // why: a resumed run must never store a case twice.
        builder.HasIndex(r => new { r.RunId, r.CaseId, r.Repetition }).IsUnique();
        builder.HasOne<EvaluationRun>().WithMany().HasForeignKey(r => r.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}
