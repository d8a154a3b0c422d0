using System.Text.Json;
using ChatService.Rag;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ChatService.Data.Configurations;

internal sealed class ChatMessageConfiguration : IEntityTypeConfiguration<ChatMessage>
{
    public void Configure(EntityTypeBuilder<ChatMessage> builder)
    {
        builder.ToTable("chat_messages");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Owner).HasMaxLength(200);
        builder.Property(m => m.Role).HasMaxLength(20);
        builder.Property(m => m.Error).HasMaxLength(1000);
        builder.Property(m => m.Citations)
            .HasColumnType("jsonb")
            .HasConversion(
                v => JsonSerializer.Serialize(v, JsonSerializerOptions.Web),
                v => JsonSerializer.Deserialize<List<Citation>>(v, JsonSerializerOptions.Web) ?? new List<Citation>(),
                new ValueComparer<List<Citation>>(
                    (a, b) => a!.SequenceEqual(b!),
                    v => v.Aggregate(0, (h, c) => HashCode.Combine(h, c.GetHashCode())),
                    v => v.ToList()));
        builder.HasIndex(m => new { m.SessionId, m.CreatedAt, m.Id });
    }
}
