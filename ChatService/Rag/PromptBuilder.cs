using System.Globalization;
using System.Text;
using ChatService.Ingestion;
using AiMessage = Microsoft.Extensions.AI.ChatMessage;
using AiRole = Microsoft.Extensions.AI.ChatRole;

namespace ChatService.Rag;

/// <summary>Builds the model prompt: instructions with numbered passages, recent history within its budget, the question.</summary>
public static class PromptBuilder
{
    /// <param name="clientInstructions">The caller's own system prompt (OpenAI-compatible API), placed after ours.</param>
    public static IReadOnlyList<AiMessage> Build(IReadOnlyList<RetrievedPassage> passages, IReadOnlyList<Data.ChatMessage> history,
        int historyTokenBudget, string question, string? clientInstructions = null)
    {
        var system = new StringBuilder(
            "You are a helpful assistant. Answer the question using the numbered passages below and cite them as [n]. " +
            "If the passages do not contain the answer, say so.\n\n");
        if (!string.IsNullOrWhiteSpace(clientInstructions))
        {
            system.Append("Instructions from the client:\n").Append(clientInstructions.Trim()).Append("\n\n");
        }

        if (passages.Count == 0)
        {
            // why: retrieval cites nothing below its relevance cut-off; the model must not answer from its own knowledge
            system.Append("No passage of the user's documents matches the question. Answer that the answer is not in your ")
                .Append("documents, and do not answer from general knowledge.\n\n");
        }

        system.Append("Passages:\n");
        for (var i = 0; i < passages.Count; i++)
        {
            system.Append(CultureInfo.InvariantCulture, $"[{i + 1}] {Source(passages[i])}\n{passages[i].Text}\n\n");
        }

        var messages = new List<AiMessage> { new(AiRole.System, system.ToString()) };
        var kept = new List<Data.ChatMessage>();
        var tokens = 0;
        foreach (var message in history.OrderByDescending(m => m.CreatedAt))
        {
            tokens += TokenEstimate.Of(message.Content);
            if (tokens > historyTokenBudget)
            {
                break;
            }

            kept.Add(message);
        }

        messages.AddRange(kept.OrderBy(m => m.CreatedAt)
            .Select(m => new AiMessage(m.Role == "assistant" ? AiRole.Assistant : AiRole.User, m.Content)));
        messages.Add(new AiMessage(AiRole.User, question));
        return messages;
    }

    public static string Snippet(string text, int chars) => text.Length <= chars ? text : text[..chars].TrimEnd() + "…";

    /// <summary>A passage's source as the prompt and the degraded answer name it: title, page, heading.</summary>
    internal static string Source(RetrievedPassage passage)
    {
        var source = passage.Title;
        if (passage.Page is { } page)
        {
            source += string.Create(CultureInfo.InvariantCulture, $", p. {page}");
        }

        if (passage.Heading is { } heading)
        {
            source += $", \"{heading}\"";
        }

        return source;
    }
}
