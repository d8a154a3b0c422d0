using ChatService.Llm;

namespace ChatService.Rag;

/// <summary>
/// A validated chat turn whose user message is stored, or being stored (<see cref="QuestionStored"/>): what
/// <see cref="ChatTurnRunner.AnswerAsync"/> needs.
/// </summary>
public sealed record ChatTurn(
    string Owner,
    Guid SessionId,
    string Question,
    int TopK,
    IReadOnlyList<Guid>? DocumentIds,
    IReadOnlyList<Data.ChatMessage> History,
    long StartedTimestamp,
    Guid UserMessageId)
{
    /// <summary>
    /// Completes when the user message (and a new session) is committed; already complete unless the turn came from
    /// <see cref="ChatTurnRunner.StartAsync"/>, which stores it while retrieval runs.
    /// </summary>
    public Task QuestionStored { get; init; } = Task.CompletedTask;

    /// <summary>False for a stateless turn (OpenAI-compatible API without a session): nothing is stored.</summary>
    public bool Persist { get; init; } = true;

    /// <summary>What retrieval searches for, when it differs from <see cref="Question"/> (a follow-up made self-contained).</summary>
    public string? RetrievalQuery { get; init; }

    /// <summary>The caller's own system prompt, given to the model after ours.</summary>
    public string? ClientInstructions { get; init; }

    /// <summary>The caller's sampling settings, or null for the model's defaults.</summary>
    public GenerationSettings? Settings { get; init; }

    /// <summary>Called with the answer just before it is saved, to stage rows (an event) in the same SaveChanges.</summary>
    public Action<Data.ChatMessage>? OnStoring { get; init; }
}
