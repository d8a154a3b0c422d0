using NpgsqlTypes;

namespace ChatService.Data;

/// <summary>A retrievable passage: full-text indexed in PostgreSQL, vector indexed in Chroma under the same id.</summary>
public sealed class DocumentChunk
{
    /// <summary>Stable <c>{documentId:N}-{ordinal}</c>, so re-running ingestion upserts the same Chroma records.</summary>
    public required string Id { get; set; }

    public Guid DocumentId { get; set; }

    public required string Owner { get; set; }

    public int Ordinal { get; set; }

    public required string Text { get; set; }

    public string? Heading { get; set; }

    public int? Page { get; set; }

    public int TokenCount { get; set; }

    /// <summary>The text-search configuration of <see cref="SearchVector"/> (the document's language, or <c>simple</c>).</summary>
    public string SearchConfig { get; set; } = "english";

    /// <summary>Generated <c>tsvector</c> over heading and text, GIN indexed.</summary>
    public NpgsqlTsVector? SearchVector { get; set; }

    public static string IdFor(Guid documentId, int ordinal) => $"{documentId:N}-{ordinal}";
}
