using ChatService.Ingestion;

namespace ChatService.Tests;

/// <summary>Chunks keep the text's shape: paragraphs, line breaks and code blocks survive; headings and pages bound chunks.</summary>
public sealed class ChunkerTests
{
    [Fact]
    public void Paragraphs_are_separated_by_a_blank_line_and_line_breaks_stay()
    {
        var chunks = Chunker.Split([
            new TextBlock("Steps to restart the pump:\n1. Close the valve.\n2. Press reset.", "Pumps", null),
            new TextBlock("Wait one minute before opening the valve again.", "Pumps", null),
        ], chunkTokens: 300, overlapTokens: 40);

        var chunk = Assert.Single(chunks);
        Assert.Equal("Steps to restart the pump:\n1. Close the valve.\n2. Press reset.\n\nWait one minute before opening the valve again.",
            chunk.Text);
    }

    [Fact]
    public void A_code_block_that_fits_is_never_cut_the_chunk_ends_before_it()
    {
        var prose = string.Join(' ', Enumerable.Repeat("The configuration file sets the retry budget of the client.", 8));
        var code = "```bash\n# restart the service\nsystemctl restart chat\n\n# check it\ncurl -fsS http://127.0.0.1:5100/alive\n```";
        var chunks = Chunker.Split([new TextBlock(prose, null, null), new TextBlock(code, null, null)], chunkTokens: 140,
            overlapTokens: 20);

        Assert.Equal(2, chunks.Count);
        Assert.Equal(prose, chunks[0].Text);
        Assert.Equal(code, chunks[1].Text); // whole, with its blank line and its '#' comment lines
    }

    [Fact]
    public void Text_extraction_keeps_a_fenced_code_block_as_one_block()
    {
        var markdown = "# Operations\n\nRestart it like this:\n\n```bash\n# restart\nsystemctl restart chat\n\nsystemctl status " +
            "chat\n```\n\nDone.";
        var blocks = TextExtractor.Extract("md", System.Text.Encoding.UTF8.GetBytes(markdown));

        Assert.Equal(["Restart it like this:", "```bash\n# restart\nsystemctl restart chat\n\nsystemctl status chat\n```", "Done."],
            blocks.Select(b => b.Text.Replace("\r\n", "\n", StringComparison.Ordinal)));
        Assert.All(blocks, b => Assert.Equal("Operations", b.Heading));
    }

    [Fact]
    public void A_block_larger_than_a_chunk_is_split_at_lines_with_overlap_and_nothing_is_lost()
    {
        var lines = Enumerable.Range(1, 60).Select(i => $"Row {i}: sensor {i} reads {i * 3} degrees").ToList();
        var chunks = Chunker.Split([new TextBlock(string.Join('\n', lines), null, null)], chunkTokens: 100, overlapTokens: 20);

        Assert.True(chunks.Count > 3, $"{chunks.Count} chunks");
        Assert.All(chunks, c => Assert.InRange(c.TokenCount, 1, 100));
        Assert.All(chunks, c => Assert.All(c.Text.Split('\n'), line => Assert.Contains(line, lines))); // cut at line breaks only
        Assert.All(lines, line => Assert.Contains(chunks, c => c.Text.Split('\n').Contains(line)));
        Assert.Contains(chunks[0].Text.Split('\n')[^1], chunks[1].Text.Split('\n')); // the overlap carries the last line
    }

    [Fact]
    public void Headings_and_pages_bound_chunks()
    {
        var chunks = Chunker.Split([
            new TextBlock("Alpha text.", "A", 1),
            new TextBlock("Beta text.", "B", 1),
            new TextBlock("Gamma text.", "B", 2),
        ], chunkTokens: 300, overlapTokens: 40);

        Assert.Equal([("A", 1, "Alpha text."), ("B", 1, "Beta text."), ("B", 2, "Gamma text.")],
            chunks.Select(c => (c.Heading!, c.Page!.Value, c.Text)));
        Assert.Equal([0, 1, 2], chunks.Select(c => c.Ordinal));
    }
}
