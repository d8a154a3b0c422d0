using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DistributorService.Data.Configurations;

internal sealed class IntakeControlConfiguration : IEntityTypeConfiguration<IntakeControl>
{
    public void Configure(EntityTypeBuilder<IntakeControl> builder)
    {
        builder.ToTable("intake_control");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).ValueGeneratedNever();
        builder.Property(c => c.UpdatedBy).HasMaxLength(200);
        builder.HasData(new IntakeControl { Id = IntakeControl.SingletonId, Paused = false, UpdatedAt = DateTimeOffset.UnixEpoch });
    }
}
