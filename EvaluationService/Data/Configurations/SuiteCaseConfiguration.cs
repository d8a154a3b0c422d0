using EvaluationService.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EvaluationService.Data.Configurations;

internal sealed class SuiteCaseConfiguration : IEntityTypeConfiguration<SuiteCase>
{
    public void Configure(EntityTypeBuilder<SuiteCase> builder)
    {
        builder.ToTable("suite_cases");
        builder.HasKey(c => c.Id);
        builder.HasIndex(c => new { c.SuiteId, c.Ordinal }).IsUnique();
    }
}
