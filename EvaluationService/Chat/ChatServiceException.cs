namespace EvaluationService.Chat;

/// <summary>ChatService answered with an error status (after the resilience pipeline gave up) or an unreadable body.</summary>
public sealed class ChatServiceException(string code, string message, int? statusCode = null) : Exception(message)
{
    public string Code { get; } = code;

    public int? StatusCode { get; } = statusCode;
}
