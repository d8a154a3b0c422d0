using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DistributorService.Data.Configurations;

internal sealed class DestinationConfiguration : IEntityTypeConfiguration<Destination>
{
    public void Configure(EntityTypeBuilder<Destination> builder)
    {
        builder.ToTable("destinations");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Name).HasMaxLength(200);
        builder.Property(d => d.Url).HasMaxLength(2048);
        builder.Property(d => d.TokenUrl).HasMaxLength(2048);
        builder.Property(d => d.HealthUrl).HasMaxLength(2048);
        builder.Property(d => d.AuthType).HasMaxLength(40);
        builder.Property(d => d.HealthStatus).HasMaxLength(20);
        builder.Property(d => d.ClientId).HasMaxLength(400);
        builder.Property(d => d.Scope).HasMaxLength(400);
        builder.Property(d => d.DisabledReason).HasMaxLength(400);
        builder.HasIndex(d => d.EventTypes).HasMethod("gin");
    }
}
