using EvaluationService.Scoring;

namespace EvaluationService.Suites;

/// <summary>A generated case is grounded only if its quote appears verbatim (modulo case, punctuation and spacing) in the chunk.</summary>
public static class QuoteMatcher
{
    public static bool IsInChunk(string? quote, string chunk)
    {
        var needle = TextScores.Normalize(quote);
        return needle.Split(' ').Length >= 3 && $" {TextScores.Normalize(chunk)} ".Contains($" {needle} ", StringComparison.Ordinal);
    }
}
