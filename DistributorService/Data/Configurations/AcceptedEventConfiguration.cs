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
        builder.Property(e => e.IdempotencyKey).HasMaxLength(200);
        builder.HasIndex(e => e.IdempotencyKey).IsUnique().HasFilter("\"IdempotencyKey\" IS NOT NULL");
        builder.HasIndex(e => e.AcceptedAt);
        builder.HasMany(e => e.Distributions).WithOne(d => d.Event).HasForeignKey(d => d.EventId).OnDelete(DeleteBehavior.Cascade);
    }
}
