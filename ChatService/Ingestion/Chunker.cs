namespace ChatService.Ingestion;

/// <summary>
/// Packs text blocks (paragraphs, code blocks, table rows) into chunks of about <c>chunkTokens</c> tokens, never across a
/// heading or page boundary (so each chunk has one heading and one page to cite). A chunk keeps the text's shape:
/// blocks are separated by a blank line and a block's own line breaks stay (code, lists, tables read as written), and a
/// block that fits is never cut — a chunk ends before a paragraph or code block that would not fit. Only a block
/// larger than a chunk is split, at line breaks first and inside a line at words, with <c>overlapTokens</c> of it carried
/// into the next piece; between whole blocks the previous block is carried when it is no longer than the overlap.
/// </summary>
public static class Chunker
{
    public static IReadOnlyList<Chunk> Split(IReadOnlyList<TextBlock> blocks, int chunkTokens, int overlapTokens)
    {
        var overlap = Math.Min(overlapTokens, chunkTokens / 2);
        var chunks = new List<Chunk>();
        var parts = new List<string>();
        var carried = 0; // leading parts that only repeat the previous chunk
        string? heading = null;
        int? page = null;
        var started = false;

        void Emit(bool keepOverlap)
        {
            if (parts.Count == carried)
            {
                parts.Clear();
                carried = 0;
                return;
            }

            var text = string.Join("\n\n", parts);
            chunks.Add(new Chunk(chunks.Count, text, heading, page, TokenEstimate.Of(text)));
            var last = parts[^1];
            parts.Clear();
            carried = 0;
            if (keepOverlap && overlap > 0 && TokenEstimate.Of(last) <= overlap)
            {
                parts.Add(last);
                carried = 1;
            }
        }

        foreach (var block in blocks)
        {
            if (started && (block.Heading != heading || block.Page != page))
            {
                Emit(keepOverlap: false);
            }

            heading = block.Heading;
            page = block.Page;
            started = true;
            var text = Shape(block.Text);
            if (text.Length == 0)
            {
                continue;
            }

            if (TokenEstimate.Of(text) > chunkTokens)
            {
                Emit(keepOverlap: false);
                var pieces = SplitLarge(text, chunkTokens, overlap);
                foreach (var piece in pieces.Take(pieces.Count - 1))
                {
                    parts.Add(piece);
                    Emit(keepOverlap: false);
                }

                parts.Add(pieces[^1]);
                continue;
            }

            if (parts.Count > 0 && TokenEstimate.Of(string.Join("\n\n", parts.Append(text))) > chunkTokens)
            {
                Emit(keepOverlap: true);
                if (parts.Count > 0 && TokenEstimate.Of(string.Join("\n\n", parts.Append(text))) > chunkTokens)
                {
                    parts.Clear(); // the carried block and this one do not fit together
                    carried = 0;
                }
            }

            parts.Add(text);
        }

        Emit(keepOverlap: false);
        return chunks;
    }

    /// <summary>Line breaks kept, trailing spaces and runs of blank lines dropped.</summary>
    private static string Shape(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd()).ToList();
        var kept = new List<string>(lines.Count);
        foreach (var line in lines)
        {
            if (line.Length == 0 && (kept.Count == 0 || kept[^1].Length == 0))
            {
                continue;
            }

            kept.Add(line);
        }

        return string.Join('\n', kept).Trim('\n');
    }

    /// <summary>A block larger than a chunk: pieces of whole lines, a line too long for a piece cut at words.</summary>
    private static List<string> SplitLarge(string text, int chunkTokens, int overlap)
    {
        var units = new List<(string Text, bool NewLine)>();
        foreach (var line in text.Split('\n'))
        {
            if (TokenEstimate.Of(line) <= chunkTokens)
            {
                units.Add((line, true));
                continue;
            }

            var first = true;
            foreach (var word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                units.Add((word, first));
                first = false;
            }
        }

        var pieces = new List<string>();
        var current = new List<(string Text, bool NewLine)>();
        foreach (var unit in units)
        {
            if (current.Count > 0 && TokenEstimate.Of(Join([.. current, unit])) > chunkTokens)
            {
                pieces.Add(Join(current));
                current = Tail(current, overlap);
            }

            current.Add(unit);
        }

        if (current.Count > 0)
        {
            pieces.Add(Join(current));
        }

        return pieces;
    }

    private static List<(string Text, bool NewLine)> Tail(List<(string Text, bool NewLine)> units, int overlap)
    {
        var tail = new List<(string Text, bool NewLine)>();
        for (var i = units.Count - 1; i > 0 && overlap > 0; i--)
        {
            if (TokenEstimate.Of(Join([units[i], .. tail])) > overlap)
            {
                break;
            }

            tail.Insert(0, units[i]);
        }

        return tail;
    }

    private static string Join(IReadOnlyList<(string Text, bool NewLine)> units)
    {
        var builder = new System.Text.StringBuilder();
        foreach (var (text, newLine) in units)
        {
            if (builder.Length > 0)
            {
                builder.Append(newLine ? '\n' : ' ');
            }

            builder.Append(text);
        }

        return builder.ToString();
    }
}
