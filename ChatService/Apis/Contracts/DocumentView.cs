namespace ChatService.Apis.Contracts;

/// <summary>A document as the API shows it; <c>status</c>: queued | processing | ready | pending_index | failed.</summary>
public sealed record DocumentView(
    Guid Id,
    string Title,
    string Status,
    int Chunks,
    string? Error,
    string FileName,
    long SizeBytes,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static DocumentView From(Data.Document d) =>
        new(d.Id, d.Title, d.Status, d.ChunkCount, d.Error, d.FileName, d.SizeBytes, d.CreatedAt, d.UpdatedAt);
}
