using EvaluationService.Chat;

namespace EvaluationService.Tests.Fakes;

/// <summary>What the fake ChatService does with one question.</summary>
public sealed record FakeReply(
    string? Answer = null,
    IReadOnlyList<ChatCitation>? Citations = null,
    int Status = 200,
    TimeSpan? Delay = null,
    bool Hang = false,
    bool Degraded = false)
{
    public static FakeReply Says(string answer, params string[] citedDocuments) =>
        new(answer, citedDocuments.Select(d => new ChatCitation(d, $"Title of {d}", $"{d}:0", 1, $"snippet of {d}")).ToList());
}
