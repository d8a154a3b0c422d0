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
        builder.HasIndex(d => new { d.Status, d.UpdatedAt });
        builder.HasIndex(d => new { d.Status, d.Sequence });
        builder.HasIndex(d => new { d.DestinationId, d.Sequence });
        builder.HasOne<Destination>().WithMany().HasForeignKey(d => d.DestinationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(d => d.Attempts).WithOne().HasForeignKey(a => a.DistributionId).OnDelete(DeleteBehavior.Cascade);
    }
}
