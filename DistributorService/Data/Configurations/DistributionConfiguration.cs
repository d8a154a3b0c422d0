using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DistributorService.Data.Configurations;

internal sealed class DistributionConfiguration : IEntityTypeConfiguration<Distribution>
{
    public void Configure(EntityTypeBuilder<Distribution> builder)
    {
        builder.ToTable("distributions");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Sequence).UseIdentityAlwaysColumn();
        builder.HasIndex(d => d.Sequence).IsUnique();
        builder.Property(d => d.Status).HasMaxLength(20);
        builder.Property(d => d.LastErrorCode).HasMaxLength(60);
        builder.Property(d => d.LastError).HasMaxLength(1000);
        builder.HasIndex(d => new { d.EventId, d.DestinationId }).IsUnique();
        // Stuck-distribution detection only looks at unfinished rows; a final status leaves this index.
        builder.HasIndex(d => d.UpdatedAt).HasDatabaseName("IX_distributions_unfinished_UpdatedAt")
            .HasFilter($"\"Status\" IN ('{DistributionStatus.Pending}', '{DistributionStatus.Processing}')");
        builder.HasIndex(d => new { d.Status, d.Sequence });
        builder.HasIndex(d => new { d.DestinationId, d.Sequence });
        // No foreign key to destinations: every intake would take a KEY SHARE lock on its destination's row, and with
        // concurrent intakes to one hot destination PostgreSQL turns those into multixacts (a write to that row per
        // event). Deleting a destination deletes its distributions explicitly (DestinationsApi); a distribution whose
        // destination vanished in between is failed with DESTINATION_DELETED by the delivery handler.
        builder.HasMany(d => d.Attempts).WithOne().HasForeignKey(a => a.DistributionId).OnDelete(DeleteBehavior.Cascade);
    }
}
