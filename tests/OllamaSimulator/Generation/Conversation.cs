using System.Text.RegularExpressions;

namespace OllamaSimulator;

/// <summary>
/// A prompt seen as a question plus context sentences. The question is the last "Question: …" line of the
/// last user message, else its last sentence ending in '?', else the whole message. Context sentences come
/// from every system, user and tool message (never assistant), minus the question itself.
/// </summary>
internal sealed partial class Conversation
{
    private readonly IReadOnlyList<ReceivedMessage> _messages;

    // why: built on first use (only structured answers ask), not for every request
    private HashSet<string>? allWords;

    public Conversation(IReadOnlyList<ReceivedMessage> messages)
    {
        var lastUser = messages.LastOrDefault(m => m.Role == "user")?.Content ?? "";
        Question = ExtractQuestion(lastUser);
        QuestionWords = TextAnalysis.ContentWords(Question).ToHashSet(StringComparer.Ordinal);
        Sentences = ExtractSentences(messages, Question);
        PromptTokens = Math.Max(1, messages.Sum(m => TextAnalysis.WordCount(m.Content)));
        _messages = messages;
    }

    public string Question { get; }

    public IReadOnlySet<string> QuestionWords { get; }

    public IReadOnlyList<ContextSentence> Sentences { get; }

    public int PromptTokens { get; }

    /// <summary>Share of the question's content words found anywhere in the context (0 when the question has none).</summary>
    public double QuestionCoverage => QuestionWords.Count == 0
        ? 0
        : QuestionWords.Count(w => Sentences.Any(s => s.ContentWords.Contains(w))) / (double)QuestionWords.Count;

    public bool MentionsAll(params string[] normalisedWords)
    {
        allWords ??= _messages.SelectMany(m => TextAnalysis.Words(m.Content)).ToHashSet(StringComparer.Ordinal);
        return normalisedWords.All(allWords.Contains);
    }

    /// <summary>
    /// Up to <paramref name="max"/> sentences sharing the most distinct content words with the question; a runner-up
    /// must score at least half of the best. Returned in prompt order.
    /// </summary>
    public IReadOnlyList<ContextSentence> BestSentences(int max)
    {
        var scored = Sentences
            .Select(s => (Sentence: s, Score: s.ContentWords.Count(QuestionWords.Contains)))
            .Where(x => x.Score > 0)
            .OrderByDescending(x => x.Score)
            .ThenBy(x => x.Sentence.Position)
            .ToList();
        if (scored.Count == 0)
        {
            return [];
        }

        var best = scored[0].Score;
        return scored
            .Where(x => x.Score * 2 >= best)
            .Take(max)
            .Select(x => x.Sentence)
            .OrderBy(s => s.Position)
            .ToList();
    }

    private static string ExtractQuestion(string lastUser)
    {
        var labelled = QuestionLine().Matches(lastUser);
        if (labelled.Count > 0)
        {
            return labelled[^1].Groups[1].Value.Trim();
        }

        return TextAnalysis.Sentences(lastUser).LastOrDefault(s => s.EndsWith('?')) ?? lastUser.Trim();
    }

    private static List<ContextSentence> ExtractSentences(IEnumerable<ReceivedMessage> messages, string question)
    {
        var sentences = new List<ContextSentence>();
        foreach (var message in messages.Where(m => m.Role is "system" or "user" or "tool"))
        {
            string? marker = null;
            foreach (var line in message.Content.Split('\n'))
            {
                var parts = LinePrefix().Match(line);
                if (parts.Groups["label"].Value.Equals("question", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (parts.Groups["marker"].Success)
                {
                    marker = parts.Groups["marker"].Value;
                }

                foreach (var text in TextAnalysis.Sentences(parts.Groups["rest"].Value))
                {
                    if (!text.Equals(question, StringComparison.Ordinal))
                    {
                        sentences.Add(new ContextSentence(sentences.Count, text, marker));
                    }
                }
            }
        }

        return sentences;
    }

    [GeneratedRegex(@"^[ \t]*question[ \t]*:[ \t]*(.+)$", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex QuestionLine();

    /// <summary>An optional "[marker]" then an optional "Label: " of at most three words before the line's text.</summary>
    [GeneratedRegex(@"^\s*(?:\[(?<marker>[^\[\]\s]{1,24})\]\s*)?(?:(?<label>[A-Za-z][\w-]{0,20}(?: [\w-]{1,20}){0,2}):\s+)?(?<rest>.*)$")]
    private static partial Regex LinePrefix();
}
