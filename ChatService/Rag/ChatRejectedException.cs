namespace ChatService.Rag;

/// <summary>A chat request refused before any answer was produced; the API turns it into a problem detail.</summary>
public sealed class ChatRejectedException(int status, string code, string title, string? detail = null) : Exception(detail ?? title)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public string Title { get; } = title;

    public string? Detail { get; } = detail;
}
