namespace OllamaSimulator;

/// <summary>
/// A test case drawn from the prompt: the quote is the context sentence with the most distinct content words
/// (at least four words, none of "question", "answer", "quote", "json", so instructions are never quoted);
/// the question asks about its three longest content words; the answer is the quote itself.
/// </summary>
internal sealed record QuoteTriple(string Question, string Answer, string Quote)
{
    private static readonly HashSet<string> InstructionWords = new(StringComparer.Ordinal) { "question", "answer", "quote", "json" };

    public static QuoteTriple From(Conversation conversation)
    {
        var quote = conversation.Sentences
            .Where(s => s.WordCount >= 4 && !TextAnalysis.Words(s.Text).Any(InstructionWords.Contains))
            .OrderByDescending(s => s.ContentWords.Count)
            .ThenBy(s => s.Position)
            .FirstOrDefault()
            ?? conversation.Sentences.FirstOrDefault();
        if (quote is null)
        {
            return new QuoteTriple("What does the text say?", AnswerComposer.NoAnswer, "");
        }

        return new QuoteTriple(QuestionAbout(quote.Text), quote.Text, quote.Text);
    }

    private static string QuestionAbout(string sentence)
    {
        var keys = TextAnalysis.DistinctContentWordsAsWritten(sentence)
            .Select((word, index) => (Word: word, Index: index))
            .OrderByDescending(x => x.Word.Length)
            .ThenBy(x => x.Index)
            .Take(3)
            .OrderBy(x => x.Index)
            .Select(x => x.Word)
            .ToList();
        return keys.Count switch
        {
            0 => "What does the text say?",
            1 => $"What does the text say about {keys[0]}?",
            _ => $"What does the text say about {string.Join(", ", keys[..^1])} and {keys[^1]}?",
        };
    }
}
