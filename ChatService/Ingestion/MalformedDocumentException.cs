namespace ChatService.Ingestion;

/// <summary>The upload cannot be read (e.g. a broken PDF): the document ends <c>failed</c> with this reason.</summary>
public sealed class MalformedDocumentException(string message, Exception? inner = null) : Exception(message, inner);
