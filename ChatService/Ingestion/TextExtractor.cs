using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;

namespace ChatService.Ingestion;

/// <summary>Turns uploaded text into blocks that keep headings (Markdown); CSV rows stay readable. PDFs: see
/// <see cref="PdfSandbox"/>.</summary>
public static class TextExtractor
{
    public static IReadOnlyList<TextBlock> Extract(string kind, byte[] bytes) => kind switch
    {
        // why: a PDF is never parsed inside the service: PdfSandbox parses it in a limited child process (PdfExtractorProcess)
        "pdf" => throw new InvalidOperationException("PDFs are extracted by PdfSandbox, in a child process."),
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

    /// <summary>
    /// RFC 4180 through CsvHelper: quoted fields may hold commas, doubled quotes and line breaks (a multi-line cell stays one
    /// cell of one row). The first record is the header; each further record becomes one block of "column: value" pairs.
    /// </summary>
    private static List<TextBlock> ExtractCsv(string text)
    {
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            HasHeaderRecord = false,
            IgnoreBlankLines = true,
            TrimOptions = TrimOptions.Trim,
            // why: an uploaded file is read as well as it can be; a stray quote is data, not a reason to refuse the document
            BadDataFound = null,
            DetectDelimiter = false,
        };
        using var reader = new StringReader(text);
        using var parser = new CsvParser(reader, configuration);
        string[]? header = null;
        var blocks = new List<TextBlock>();
        while (parser.Read())
        {
            var cells = parser.Record ?? [];
            if (cells.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }

            if (header is null)
            {
                header = cells;
                continue;
            }

            // why: "column: value" pairs read like prose, so both full text and embeddings match questions about a row.
            var row = string.Join("; ", cells.Select((c, i) => $"{(i < header.Length ? header[i] : $"column {i + 1}")}: {c}"));
            blocks.Add(new TextBlock(row, null, null));
        }

        return blocks;
    }

    internal static IEnumerable<string> Paragraphs(string text) =>
        text.Replace("\r\n", "\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(p => p.Length > 0);
}
