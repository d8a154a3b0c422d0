using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ChatService.Data.Configurations;

internal sealed class DocumentChunkConfiguration : IEntityTypeConfiguration<DocumentChunk>
{
    /// <summary>The text-search configuration of the generated tsvector and of every query against it.</summary>
    public const string TextSearchConfig = "english";

    public void Configure(EntityTypeBuilder<DocumentChunk> builder)
    {
        builder.ToTable("document_chunks");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).HasMaxLength(64);
        builder.Property(c => c.Owner).HasMaxLength(200);
        builder.Property(c => c.Heading).HasMaxLength(500);
        builder.HasGeneratedTsVectorColumn(c => c.SearchVector!, TextSearchConfig, c => new { c.Heading, c.Text })
            .HasIndex(c => c.SearchVector)
            .HasMethod("GIN");
        builder.HasIndex(c => new { c.DocumentId, c.Ordinal });
        builder.HasIndex(c => c.Owner);
        builder.HasOne<Document>().WithMany().HasForeignKey(c => c.DocumentId).OnDelete(DeleteBehavior.Cascade);
    }
}
