using System.Text.RegularExpressions;

namespace ChatService.Ingestion;

/// <summary>
/// Picks a document's PostgreSQL text-search configuration from its words: the language whose common words make up the
/// largest share of the first few thousand words, when that share is clear; <c>simple</c> (no stemming, no stop words)
/// otherwise. Stemming in the document's language is what lets "biblioteche" find "biblioteca".
/// </summary>
public static partial class TextLanguage
{
    public const string Simple = "simple";

    /// <summary>
    /// The configurations chunks may be indexed with (all ship with PostgreSQL). HybridRetriever's full-text query has one
    /// branch per entry, and the generated column one CASE arm (DocumentChunkConfiguration): add a language to all three.
    /// </summary>
    public static readonly IReadOnlyList<string> Configurations = ["english", "italian", "german", "french", "spanish", Simple];

    private const int SampleWords = 5_000;

    /// <summary>Below this share of common words no language is claimed.</summary>
    private const double MinShare = 0.08;

    private static readonly Dictionary<string, HashSet<string>> CommonWords = new(StringComparer.Ordinal)
    {
        ["english"] = Set("the of and to in is that it for was on are with as be by this at from or an have not which but"),
        ["italian"] = Set("il di che la e è per un una in non sono del della le gli dei delle si al alla con da nel nella anche più lo"),
        ["german"] = Set("der die und das ist nicht ein eine zu den mit von sich des auf für im dem auch es als wird bei"),
        ["french"] = Set("le la les de des et est un une du en pour que qui dans pas sur au avec ce il sont par plus"),
        ["spanish"] = Set("el la los las de y que en un una es por con para del se no al lo como más pero sus"),
    };

    public static string Detect(IEnumerable<string> texts)
    {
        var counts = CommonWords.Keys.ToDictionary(k => k, _ => 0, StringComparer.Ordinal);
        var total = 0;
        foreach (var text in texts)
        {
            foreach (Match word in Words().Matches(text))
            {
                var w = word.Value.ToLowerInvariant();
                total++;
                foreach (var (language, common) in CommonWords)
                {
                    if (common.Contains(w))
                    {
                        counts[language]++;
                    }
                }

                if (total >= SampleWords)
                {
                    break;
                }
            }

            if (total >= SampleWords)
            {
                break;
            }
        }

        if (total == 0)
        {
            return Simple;
        }

        var ranked = counts.OrderByDescending(kv => kv.Value).ToList();
        var (best, hits) = (ranked[0].Key, ranked[0].Value);
        // why: a clear winner only; short or mixed text (codes, tables, names) is better served unstemmed
        return (double)hits / total >= MinShare && hits >= 1.5 * ranked[1].Value ? best : Simple;
    }

    private static HashSet<string> Set(string words) => words.Split(' ').ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"\p{L}+")]
    private static partial Regex Words();
}
