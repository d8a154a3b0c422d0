namespace OllamaSimulator;

/// <summary>Plain-text answer: the (at most two) context sentences that best match the question, with their passage markers.</summary>
internal static class AnswerComposer
{
    public const string NoAnswer = "I don't know based on the provided context.";

    public static string Compose(Conversation conversation)
    {
        var best = conversation.BestSentences(2);
        return best.Count == 0 ? NoAnswer : string.Join(' ', best.Select(s => s.Cited));
    }
}
