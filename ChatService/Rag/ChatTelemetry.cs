using System.Diagnostics;

namespace ChatService.Rag;

/// <summary>
/// Spans of the chat pipeline's own stages (source <c>ChatService</c>, exported with the service's traces): the
/// retrieval (<c>rag.vector_search</c> → <c>rag.embed_query</c> + <c>rag.vector_query</c>, started before the
/// answer-cache lookup; <c>rag.retrieve</c> with <c>rag.full_text</c> and <c>rag.fuse</c>) and the prompt
/// (<c>rag.prompt</c>), each with its hit counts; the model
/// call itself is the gen_ai span of Microsoft.Extensions.AI's <c>UseOpenTelemetry()</c>.
/// </summary>
public static class ChatTelemetry
{
    public const string SourceName = "ChatService";

    public static readonly ActivitySource Source = new(SourceName);
}
