using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ChatService.Data.Configurations;

internal sealed class DocumentConfiguration : IEntityTypeConfiguration<Document>
{
    public void Configure(EntityTypeBuilder<Document> builder)
    {
        builder.ToTable("documents");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Owner).HasMaxLength(200);
        builder.Property(d => d.Title).HasMaxLength(300);
        builder.Property(d => d.FileName).HasMaxLength(300);
        builder.Property(d => d.Kind).HasMaxLength(10);
        builder.Property(d => d.ContentHash).HasMaxLength(64);
        builder.Property(d => d.Status).HasMaxLength(20);
        builder.Property(d => d.Error).HasMaxLength(1000);
        builder.Property(d => d.EmbeddingModel).HasMaxLength(200);
        builder.Property(d => d.Language).HasMaxLength(20);
        builder.HasIndex(d => new { d.Owner, d.ContentHash }).IsUnique();
        builder.HasIndex(d => new { d.Owner, d.CreatedAt, d.Id });
        builder.HasIndex(d => d.Status).HasFilter("\"Status\" = 'pending_index'");
        builder.HasOne(d => d.Content).WithOne().HasForeignKey<DocumentContent>(c => c.DocumentId).OnDelete(DeleteBehavior.Cascade);
    }
}
