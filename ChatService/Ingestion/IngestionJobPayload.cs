namespace ChatService.Ingestion;

/// <summary>Payload of the <c>ingestion</c> queue. <see cref="IndexOnly"/>: only (re)build the vectors of a <c>pending_index</c>
/// document.</summary>
public sealed record IngestionJobPayload(Guid DocumentId, bool IndexOnly = false)
{
    public const string Queue = "ingestion";
}
