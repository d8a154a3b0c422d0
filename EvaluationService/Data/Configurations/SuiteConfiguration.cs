using EvaluationService.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EvaluationService.Data.Configurations;

internal sealed class SuiteConfiguration : IEntityTypeConfiguration<Suite>
{
    public void Configure(EntityTypeBuilder<Suite> builder)
    {
        builder.ToTable("suites");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Owner).HasMaxLength(200);
        builder.Property(s => s.Name).HasMaxLength(200);
        builder.Property(s => s.Description).HasMaxLength(2_000);
        builder.Property(s => s.Status).HasMaxLength(20);
        builder.Property(s => s.Origin).HasMaxLength(20);
        builder.Property(s => s.GenerationReport).HasColumnType("jsonb");
        builder.HasIndex(s => new { s.Owner, s.CreatedAt });
        builder.HasMany(s => s.Cases).WithOne().HasForeignKey(c => c.SuiteId).OnDelete(DeleteBehavior.Cascade);
    }
}
