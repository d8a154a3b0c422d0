namespace ChatBench;

internal static class Corpus
{
    private static readonly string[] Topics = ["volcanoes", "bread", "rivers", "satellites", "chess", "glaciers", "bees", "tides", "copper", "owls"];

    public static string Document(int i)
    {
        var topic = Topics[i % Topics.Length];
        return $"# Notes on {topic} {i}\n\n" + string.Join("\n\n", Enumerable.Range(0, 12).Select(p =>
            $"Paragraph {p} about {topic}: fact number {i * 100 + p} explains how {topic} behave under condition {p} and why it matters."));
    }

    public static string Question(int i) => $"What does fact number {i % 2000} say about {Topics[i % Topics.Length]}?";
}
