using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DistributorService.Data.Configurations;

internal sealed class AcceptedEventConfiguration : IEntityTypeConfiguration<AcceptedEvent>
{
    public void Configure(EntityTypeBuilder<AcceptedEvent> builder)
    {
        builder.ToTable("events");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Type).HasMaxLength(200);
        builder.Property(e => e.Payload).HasColumnType("jsonb");
        builder.Property(e => e.Publisher).HasMaxLength(200).IsRequired();
        builder.Property(e => e.IdempotencyKey).HasMaxLength(200);
        builder.Property(e => e.PayloadHash).HasMaxLength(64);
        // Idempotency keys are per publisher: another caller's key never returns (or suppresses) this publisher's event.
        builder.HasIndex(e => new { e.Publisher, e.IdempotencyKey }).IsUnique().HasFilter("\"IdempotencyKey\" IS NOT NULL");
        builder.HasIndex(e => e.AcceptedAt);
        builder.HasMany(e => e.Distributions).WithOne(d => d.Event).HasForeignKey(d => d.EventId).OnDelete(DeleteBehavior.Cascade);
    }
}
