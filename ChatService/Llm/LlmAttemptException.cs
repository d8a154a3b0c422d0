namespace ChatService.Llm;

/// <summary>One failed streaming attempt; <see cref="AfterFirstToken"/> decides whether it may be retried.</summary>
internal sealed class LlmAttemptException(string code, bool afterFirstToken, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public string Code { get; } = code;

    public bool AfterFirstToken { get; } = afterFirstToken;
}
