namespace ChatService.Apis.Contracts;

/// <summary>One chunk of a document, in document order (<see cref="Index"/> = the chunk's ordinal).</summary>
public sealed record DocumentChunkView(string Id, int Index, string Text, int? Page, string? Heading);
