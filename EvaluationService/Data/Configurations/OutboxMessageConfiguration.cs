using EvaluationService.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EvaluationService.Data.Configurations;

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        builder.ToTable("outbox");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Type).HasMaxLength(100);
        builder.Property(m => m.IdempotencyKey).HasMaxLength(200);
        builder.Property(m => m.Payload).HasColumnType("jsonb");
        builder.HasIndex(m => new { m.Type, m.IdempotencyKey }).IsUnique();
        builder.HasIndex(m => m.NextAttemptAt).HasFilter("\"SentAt\" IS NULL");
    }
}
