using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ChatService.Data.Configurations;

internal sealed class ChatSessionConfiguration : IEntityTypeConfiguration<ChatSession>
{
    public void Configure(EntityTypeBuilder<ChatSession> builder)
    {
        builder.ToTable("chat_sessions");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Owner).HasMaxLength(200);
        builder.Property(s => s.Title).HasMaxLength(300);
        builder.Property(s => s.IdempotencyKey).HasMaxLength(200);
        builder.HasIndex(s => new { s.Owner, s.CreatedAt, s.Id });
        builder.HasIndex(s => new { s.Owner, s.IdempotencyKey }).IsUnique().HasFilter("\"IdempotencyKey\" IS NOT NULL");
        builder.HasMany(s => s.Messages).WithOne(m => m.Session).HasForeignKey(m => m.SessionId).OnDelete(DeleteBehavior.Cascade);
    }
}
