namespace ChatService.Llm;

/// <summary>The LLM produced no token: not configured, breaker open, error status, connect or first-token timeout.</summary>
public sealed class LlmUnavailableException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary><c>LLM_UNAVAILABLE</c>, <c>LLM_TIMEOUT</c> or <c>CIRCUIT_OPEN</c>.</summary>
    public string Code { get; } = code;
}
