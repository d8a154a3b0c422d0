using System.Text.RegularExpressions;

namespace OllamaSimulator;

/// <summary>
/// The word model shared by answers and embeddings: lower-cased runs of letters and digits, a trailing
/// plural "s" dropped, and function words (plus prompt boilerplate such as "context" or "question") ignored.
/// </summary>
internal static partial class TextAnalysis
{
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "about", "above", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at",
        "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could",
        "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has",
        "have", "having", "he", "her", "here", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its",
        "just", "me", "more", "most", "my", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or",
        "other", "our", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that",
        "the", "their", "them", "then", "there", "these", "they", "this", "those", "through", "to", "too",
        "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who",
        "whom", "why", "will", "with", "would", "you", "your",
        "answer", "answers", "context", "question", "questions", "quote", "quotes", "json", "text", "say", "says",
        "tell", "explain", "describe", "please", "given", "following", "provided", "use", "using", "based",
        "passage", "passages", "document", "documents",
    };

    /// <summary>All word tokens, normalised, in order.</summary>
    public static IReadOnlyList<string> Words(string text) => RawWords(text).Select(Stem).ToList();

    /// <summary>Word tokens without stop words, normalised, in order (duplicates kept).</summary>
    public static IReadOnlyList<string> ContentWords(string text) =>
        RawWords(text).Where(w => !StopWords.Contains(w)).Select(Stem).ToList();

    /// <summary>Content words as written (lower-cased, not stemmed), first occurrence only, in order.</summary>
    public static IReadOnlyList<string> DistinctContentWordsAsWritten(string text) =>
        RawWords(text).Where(w => !StopWords.Contains(w)).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Sentences: lines split after '.', '!' or '?' followed by white space.</summary>
    public static IEnumerable<string> Sentences(string text) =>
        text.Split('\n')
            .SelectMany(line => SentenceBreak().Split(line))
            .Select(s => s.Trim())
            .Where(s => s.Length > 0);

    /// <summary>How many words <paramref name="text"/> holds (what <see cref="Words"/> would return, without building it).</summary>
    public static int WordCount(string text) => WordPattern().Count(text);

    // why: EnumerateMatches and one lower-cased string per word: the Match objects of Matches() made a 7 KB RAG prompt cost
    // the simulator more than a megabyte and milliseconds per request, CPU the benchmarks then charged to ChatService
    private static List<string> RawWords(string text)
    {
        var words = new List<string>();
        foreach (var match in WordPattern().EnumerateMatches(text))
        {
            words.Add(string.Create(match.Length, (text, match.Index),
                static (destination, state) => state.text.AsSpan(state.Index, destination.Length).ToLowerInvariant(destination)));
        }

        return words;
    }

    private static string Stem(string word) =>
        word.Length > 3 && word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal) ? word[..^1] : word;

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex WordPattern();

    [GeneratedRegex(@"(?<=[.!?])\s+")]
    private static partial Regex SentenceBreak();
}
