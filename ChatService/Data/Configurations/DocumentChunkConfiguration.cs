using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ChatService.Data.Configurations;

internal sealed class DocumentChunkConfiguration : IEntityTypeConfiguration<DocumentChunk>
{
    /// <summary>The text-search configuration of chunks stored before languages were detected (the column's default).</summary>
    public const string TextSearchConfig = "english";

    /// <summary>
    /// The generated tsvector in the chunk's own configuration. A CASE over constant configurations, because a
    /// generated column must be immutable and a text → regconfig cast is not; a configuration not listed is indexed
    /// as <c>simple</c>.
    /// </summary>
    public static readonly string SearchVectorSql =
        "CASE \"SearchConfig\" "
        + string.Concat(Ingestion.TextLanguage.Configurations.Where(c => c != Ingestion.TextLanguage.Simple).Select(c =>
            $"WHEN '{c}' THEN to_tsvector('{c}'::regconfig, {Document}) "))
        + $"ELSE to_tsvector('simple'::regconfig, {Document}) END";

    private const string Document = "coalesce(\"Heading\", '') || ' ' || coalesce(\"Text\", '')";

    public void Configure(EntityTypeBuilder<DocumentChunk> builder)
    {
        builder.ToTable("document_chunks");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).HasMaxLength(64);
        builder.Property(c => c.Owner).HasMaxLength(200);
        builder.Property(c => c.Heading).HasMaxLength(500);
        builder.Property(c => c.SearchConfig).HasMaxLength(20).HasDefaultValue(TextSearchConfig);
        builder.Property(c => c.SearchVector).HasColumnType("tsvector").HasComputedColumnSql(SearchVectorSql, stored: true);
        builder.HasIndex(c => c.SearchVector).HasMethod("GIN");
        builder.HasIndex(c => new { c.DocumentId, c.Ordinal });
        builder.HasIndex(c => c.Owner);
        builder.HasOne<Document>().WithMany().HasForeignKey(c => c.DocumentId).OnDelete(DeleteBehavior.Cascade);
    }
}
