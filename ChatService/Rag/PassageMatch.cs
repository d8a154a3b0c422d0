using System.Numerics;
using System.Text.RegularExpressions;

namespace ChatService.Rag;

/// <summary>
/// What of a passage matches the question, in words: the share of the question's content words the passage holds
/// (<see cref="Coverage"/>, a word matches one that starts with it or that it starts with, so "last" finds "lasted") and
/// the sentence or line holding most of them (<see cref="Sentence"/>, what a citation shows).
/// </summary>
public sealed partial record PassageMatch(double Coverage, string Sentence)
{
    // why: small English and Italian lists; they only keep question words like "what" or "che" from counting as matches
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "the", "and", "for", "are", "was", "were", "what", "which", "who", "whom", "whose", "when", "where", "why", "how",
        "does", "did", "has", "have", "had", "can", "could", "would", "should", "will", "shall", "this", "that", "these",
        "those", "with", "from", "into", "about", "there", "their", "them", "they", "its", "his", "her", "our", "your",
        "you", "not", "any", "all", "some", "tell", "please", "say", "says", "said", "many", "much", "long", "also",
        "che", "chi", "cosa", "come", "quando", "dove", "perché", "perche", "quale", "quali", "quanto", "quanti",
        "una", "uno", "del", "della", "dei", "delle", "degli", "nel", "nella", "nei", "nelle", "sul", "sulla", "per",
        "con", "non", "sono", "era", "essere", "questo", "questa", "anche", "più", "gli", "le", "il", "lo", "la",
    };

    /// <summary>The question's content words (letters or digits, at least 3 characters, not a stop word).</summary>
    public static IReadOnlyList<string> ContentWords(string question) =>
        Words().Matches(question.ToLowerInvariant()).Select(m => m.Value)
            .Where(w => (w.Length >= 3 || w.All(char.IsDigit)) && !StopWords.Contains(w))
            .Distinct(StringComparer.Ordinal)
            .Take(32)
            .ToList();

    public static PassageMatch Of(IReadOnlyList<string> questionWords, string? heading, string text)
    {
        var sentences = SentencesOf(text);
        if (questionWords.Count == 0)
        {
            return new PassageMatch(0, sentences.FirstOrDefault() ?? text);
        }

        // why: one pass over the passage's words: each sentence's set of matched question words is a bit mask (at most 32
        // content words), the passage's coverage is their union with the heading's; no word sets are built
        var covered = heading is null ? 0u : MatchMask(questionWords, heading);
        var best = sentences.Count == 0 ? text : sentences[0];
        var bestHits = 0;
        foreach (var sentence in sentences)
        {
            var mask = MatchMask(questionWords, sentence);
            covered |= mask;
            var hits = BitOperations.PopCount(mask);
            if (hits > bestHits)
            {
                (best, bestHits) = (sentence, hits);
            }
        }

        return new PassageMatch((double)BitOperations.PopCount(covered) / questionWords.Count, best);
    }

    /// <summary>The text's sentences (split after <c>.</c>, <c>!</c>, <c>?</c>, <c>;</c>) and lines, trimmed, in order.</summary>
    public static IReadOnlyList<string> SentencesOf(string text) =>
        Sentences().Split(text).Select(s => s.Trim()).Where(s => s.Length > 0).ToList();

    /// <summary>How many of the question's content words <paramref name="text"/> holds (same stem rule as the coverage).</summary>
    public static int Hits(IReadOnlyList<string> questionWords, string text) => BitOperations.PopCount(MatchMask(questionWords, text));

    /// <summary>Bit i is set when <paramref name="text"/> holds question word i (the first 32 words count).</summary>
    private static uint MatchMask(IReadOnlyList<string> questionWords, string text)
    {
        var all = questionWords.Count >= 32 ? uint.MaxValue : (1u << questionWords.Count) - 1;
        var mask = 0u;
        var lower = text.ToLowerInvariant();
        foreach (var word in Words().EnumerateMatches(lower))
        {
            var w = lower.AsSpan(word.Index, word.Length);
            for (var i = 0; i < questionWords.Count && i < 32; i++)
            {
                if ((mask & (1u << i)) == 0 && Matches(questionWords[i], w))
                {
                    mask |= 1u << i;
                }
            }

            if (mask == all)
            {
                break;
            }
        }

        return mask;
    }

    private static bool Matches(string questionWord, ReadOnlySpan<char> word)
    {
        if (word.SequenceEqual(questionWord))
        {
            return true;
        }

        // why: a cheap stem: words sharing all but their last two letters (and at least four) match: "last" ~ "lasted",
        // "eruption" ~ "erupted", "biblioteche" ~ "biblioteca"; shorter words must match whole
        return questionWord.Length >= 4 && word.Length >= 4 && SameStem(questionWord, word);
    }

    private static bool SameStem(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        var common = a.CommonPrefixLength(b);
        return common >= 4 && common >= Math.Min(a.Length, b.Length) - 2;
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex Words();

    [GeneratedRegex(@"(?<=[.!?;])\s+|\n+")]
    private static partial Regex Sentences();
}
