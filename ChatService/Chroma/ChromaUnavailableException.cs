namespace ChatService.Chroma;

/// <summary>Chroma answered with an error status (a timeout or an open breaker surface as Polly exceptions).</summary>
public sealed class ChromaUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
