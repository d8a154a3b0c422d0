namespace ChatService.Data;

/// <summary>The uploaded bytes, kept apart so listing documents never loads them.</summary>
public sealed class DocumentContent
{
    public Guid DocumentId { get; set; }

    public required byte[] Bytes { get; set; }
}
