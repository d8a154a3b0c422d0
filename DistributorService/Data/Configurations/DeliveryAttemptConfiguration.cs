using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DistributorService.Data.Configurations;

internal sealed class DeliveryAttemptConfiguration : IEntityTypeConfiguration<DeliveryAttempt>
{
    public void Configure(EntityTypeBuilder<DeliveryAttempt> builder)
    {
        builder.ToTable("delivery_attempts");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).UseIdentityAlwaysColumn();
        builder.Property(a => a.ErrorCode).HasMaxLength(60);
        builder.Property(a => a.Error).HasMaxLength(1000);
        builder.HasIndex(a => new { a.DistributionId, a.Number });
        builder.HasIndex(a => a.StartedAt);
    }
}
