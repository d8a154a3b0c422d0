using System.Globalization;
using System.Text;

namespace EvaluationService.Scoring;

/// <summary>Deterministic answer scores: keyword recall, SQuAD-style token F1 and source recall.</summary>
public static class TextScores
{
    /// <summary>Lower-case word tokens (letters and digits); punctuation separates.</summary>
    public static List<string> Tokenize(string? text)
    {
        var tokens = new List<string>();
        if (string.IsNullOrEmpty(text))
        {
            return tokens;
        }

        var current = new StringBuilder();
        foreach (var ch in text.Normalize(NormalizationForm.FormKC))
        {
            if (char.IsLetterOrDigit(ch))
            {
                current.Append(char.ToLower(ch, CultureInfo.InvariantCulture));
            }
            else if (current.Length > 0)
            {
                tokens.Add(current.ToString());
                current.Clear();
            }
        }

        if (current.Length > 0)
        {
            tokens.Add(current.ToString());
        }

        return tokens;
    }

    /// <summary>Tokens joined by single spaces: the form used for phrase matching.</summary>
    public static string Normalize(string? text) => string.Join(' ', Tokenize(text));

    /// <summary>Fraction of expected keywords (phrases allowed) found in the answer; null when none are expected.</summary>
    public static double? KeywordRecall(string? answer, IReadOnlyCollection<string> keywords)
    {
        var expected = keywords.Select(Normalize).Where(k => k.Length > 0).Distinct().ToList();
        if (expected.Count == 0)
        {
            return null;
        }

        var haystack = $" {Normalize(answer)} ";
        var found = expected.Count(k => haystack.Contains($" {k} ", StringComparison.Ordinal));
        return (double)found / expected.Count;
    }

    /// <summary>Harmonic mean of token precision and recall (multiset overlap); null without an expected answer.</summary>
    public static double? TokenF1(string? answer, string? expected)
    {
        var truth = Tokenize(expected);
        if (truth.Count == 0)
        {
            return null;
        }

        var predicted = Tokenize(answer);
        if (predicted.Count == 0)
        {
            return 0;
        }

        var counts = truth.GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        var common = 0;
        foreach (var token in predicted)
        {
            if (counts.TryGetValue(token, out var left) && left > 0)
            {
                counts[token] = left - 1;
                common++;
            }
        }

        if (common == 0)
        {
            return 0;
        }

        var precision = (double)common / predicted.Count;
        var recall = (double)common / truth.Count;
        return 2 * precision * recall / (precision + recall);
    }

    /// <summary>Fraction of expected sources (document id or title, case-insensitive) among the citations; null when none are
    /// expected.</summary>
    public static double? SourceRecall(IReadOnlyCollection<string> expectedSources,
        IEnumerable<(string DocumentId, string? Title)> citations)
    {
        var expected = expectedSources.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s.Trim())
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (expected.Count == 0)
        {
            return null;
        }

        var cited = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (documentId, title) in citations)
        {
            cited.Add(documentId.Trim());
            if (!string.IsNullOrWhiteSpace(title))
            {
                cited.Add(title.Trim());
            }
        }

        return (double)expected.Count(cited.Contains) / expected.Count;
    }
}
