namespace OllamaSimulator;

/// <summary>A sentence of the prompt, with the passage marker (e.g. "1" for a line starting "[1]") in force where it stands.</summary>
internal sealed record ContextSentence(int Position, string Text, string? Marker)
{
    public IReadOnlySet<string> ContentWords { get; } = TextAnalysis.ContentWords(Text).ToHashSet(StringComparer.Ordinal);

    public int WordCount { get; } = TextAnalysis.WordCount(Text);

    /// <summary>The sentence as cited in an answer: its passage marker appended unless already there.</summary>
    public string Cited => Marker is null || Text.Contains($"[{Marker}]", StringComparison.Ordinal)
        ? Text
        : $"{Text} [{Marker}]";
}
