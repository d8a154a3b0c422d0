namespace ChatService.Data;

/// <summary>Document lifecycle as the API reports it.</summary>
public static class DocumentStatus
{
    public const string Queued = "queued";
    public const string Processing = "processing";
    public const string Ready = "ready";

    /// <summary>Searchable by full text; waiting for Chroma or the embedding model to come back.</summary>
    public const string PendingIndex = "pending_index";
    public const string Failed = "failed";
}
