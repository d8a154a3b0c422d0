using System.Text.RegularExpressions;

namespace OllamaSimulator;

/// <summary>Splits text into streamed pieces: one per word (with its leading space), long words in 6-character parts.</summary>
internal static partial class TokenPieces
{
    private const int MaxPiece = 6;

    public static IReadOnlyList<string> Split(string text)
    {
        var pieces = new List<string>();
        foreach (Match word in WordWithSpace().Matches(text))
        {
            for (var start = 0; start < word.Value.Length; start += MaxPiece)
            {
                pieces.Add(word.Value.Substring(start, Math.Min(MaxPiece, word.Value.Length - start)));
            }
        }

        return pieces;
    }

    [GeneratedRegex(@"\s*\S+")]
    private static partial Regex WordWithSpace();
}
