using System.Text;
using UglyToad.PdfPig;

namespace ChatService.Ingestion;

/// <summary>Turns uploaded bytes into text blocks that keep headings (Markdown) and page numbers (PDF); CSV rows stay readable.</summary>
public static class TextExtractor
{
    public static IReadOnlyList<TextBlock> Extract(string kind, byte[] bytes) => kind switch
    {
        "pdf" => ExtractPdf(bytes),
        "csv" => ExtractCsv(Decode(bytes)),
        "md" => ExtractMarkdown(Decode(bytes)),
        _ => ExtractPlain(Decode(bytes)),
    };

    private static string Decode(byte[] bytes)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException ex)
        {
            throw new MalformedDocumentException("The file is not valid UTF-8 text.", ex);
        }
    }

    private static List<TextBlock> ExtractPlain(string text) =>
        Paragraphs(text).Select(p => new TextBlock(p, null, null)).ToList();

    private static List<TextBlock> ExtractMarkdown(string text)
    {
        var blocks = new List<TextBlock>();
        string? heading = null;
        var paragraph = new StringBuilder();
        void Flush()
        {
            if (paragraph.Length > 0)
            {
                blocks.Add(new TextBlock(paragraph.ToString().Trim(), heading, null));
                paragraph.Clear();
            }
        }

        var inFence = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                // why: a fenced code block is one block of its own: its '#' lines are not headings, its blank lines no
                // paragraph ends (the chunker keeps a block whole)
                if (!inFence)
                {
                    Flush();
                }

                paragraph.AppendLine(line);
                inFence = !inFence;
                if (!inFence)
                {
                    Flush();
                }

                continue;
            }

            if (inFence)
            {
                paragraph.AppendLine(line);
                continue;
            }

            if (line.StartsWith('#'))
            {
                Flush();
                heading = line.TrimStart('#').Trim();
                continue;
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                Flush();
                continue;
            }

            paragraph.AppendLine(line);
        }

        Flush();
        return blocks;
    }

    private static List<TextBlock> ExtractCsv(string text)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0)
        {
            return [];
        }

        var header = SplitCsv(lines[0]);
        var blocks = new List<TextBlock>();
        foreach (var line in lines.Skip(1))
        {
            var cells = SplitCsv(line);
            // why: "column: value" pairs read like prose, so both full text and embeddings match questions about a row.
            var row = string.Join("; ", cells.Select((c, i) => $"{(i < header.Count ? header[i] : $"column {i + 1}")}: {c}"));
            blocks.Add(new TextBlock(row, null, null));
        }

        return blocks;
    }

    private static List<string> SplitCsv(string line)
    {
        var cells = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                cells.Add(current.ToString().Trim());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        cells.Add(current.ToString().Trim());
        return cells;
    }

    private static List<TextBlock> ExtractPdf(byte[] bytes)
    {
        try
        {
            using var pdf = PdfDocument.Open(bytes);
            var blocks = new List<TextBlock>();
            foreach (var page in pdf.GetPages())
            {
                foreach (var paragraph in Paragraphs(page.Text))
                {
                    blocks.Add(new TextBlock(paragraph, null, page.Number));
                }
            }

            return blocks;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            throw new MalformedDocumentException($"The PDF could not be read: {ex.Message}", ex);
        }
    }

    private static IEnumerable<string> Paragraphs(string text) =>
        text.Replace("\r\n", "\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(p => p.Length > 0);
}
