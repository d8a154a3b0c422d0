using System.Text;

namespace ChatService.Ingestion;

/// <summary>
/// Packs text blocks into chunks of about <c>chunkTokens</c> tokens with <c>overlapTokens</c> carried over, never across a
/// heading or page boundary (so each chunk has one heading and one page to cite). Over-long blocks are split on words.
/// </summary>
public static class Chunker
{
    public static IReadOnlyList<Chunk> Split(IReadOnlyList<TextBlock> blocks, int chunkTokens, int overlapTokens)
    {
        var overlap = Math.Min(overlapTokens, chunkTokens / 2);
        var chunks = new List<Chunk>();
        var words = new List<string>();
        string? heading = null;
        int? page = null;
        var started = false;

        void Emit(bool keepOverlap)
        {
            if (words.Count == 0)
            {
                return;
            }

            var text = string.Join(' ', words);
            chunks.Add(new Chunk(chunks.Count, text, heading, page, TokenEstimate.Of(text)));
            var carry = keepOverlap ? WordsForTokens(words, overlap) : 0;
            words.RemoveRange(0, words.Count - carry);
        }

        foreach (var block in blocks)
        {
            if (started && (block.Heading != heading || block.Page != page))
            {
                Emit(keepOverlap: false);
                words.Clear();
            }

            heading = block.Heading;
            page = block.Page;
            started = true;
            foreach (var word in block.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            {
                words.Add(word);
                if (Estimate(words) >= chunkTokens)
                {
                    Emit(keepOverlap: true);
                }
            }
        }

        if (words.Count > 0 && (chunks.Count == 0 || !IsOnlyOverlap(words, chunks[^1])))
        {
            Emit(keepOverlap: false);
        }

        return chunks;
    }

    // Same estimate as TokenEstimate.Of on the joined words, without building the string on every word.
    private static int Estimate(List<string> words)
    {
        var chars = words.Count - 1;
        foreach (var word in words)
        {
            chars += word.Length;
        }

        return Math.Max((chars + 3) / 4, (int)Math.Ceiling(words.Count / 0.75));
    }

    private static bool IsOnlyOverlap(List<string> words, Chunk last) =>
        last.Text.EndsWith(string.Join(' ', words), StringComparison.Ordinal);

    private static int WordsForTokens(List<string> words, int tokens)
    {
        if (tokens <= 0)
        {
            return 0;
        }

        var count = 0;
        var builder = new StringBuilder();
        for (var i = words.Count - 1; i >= 0; i--)
        {
            builder.Insert(0, words[i] + " ");
            if (TokenEstimate.Of(builder.ToString()) > tokens)
            {
                break;
            }

            count++;
        }

        return Math.Min(count, words.Count - 1);
    }
}
