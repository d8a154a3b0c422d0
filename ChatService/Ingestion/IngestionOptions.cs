using System.ComponentModel.DataAnnotations;

namespace ChatService.Ingestion;

/// <summary>Uploads, chunking and the ingestion/re-index jobs (section <c>Ingestion</c>).</summary>
public sealed class IngestionOptions
{
    public const string Section = "Ingestion";

    /// <summary>Largest accepted file (413 beyond).</summary>
    [Range(1024, 512L * 1024 * 1024)]
    public long MaxUploadBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Approximate tokens per chunk.</summary>
    [Range(20, 8000)]
    public int ChunkTokens { get; set; } = 300;

    /// <summary>Approximate tokens repeated from the end of one chunk at the start of the next.</summary>
    [Range(0, 2000)]
    public int ChunkOverlapTokens { get; set; } = 40;

    [Range(1, 64)]
    public int Workers { get; set; } = 2;

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan JobTimeout { get; set; } = TimeSpan.FromMinutes(5);

    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>How often documents waiting as <c>pending_index</c> get a new indexing job.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan ReindexInterval { get; set; } = TimeSpan.FromSeconds(10);

    [Range(1, 1000)]
    public int ReindexBatch { get; set; } = 20;
}
