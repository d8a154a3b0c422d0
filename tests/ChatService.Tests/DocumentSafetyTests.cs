using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChatService.Ingestion;
using ChatService.Tests.Infrastructure;
using Testing;

namespace ChatService.Tests;

/// <summary>Uploaded bytes must be what their name claims; CSV is parsed as RFC 4180 (CsvHelper).</summary>
[Collection("dependencies")]
public sealed class DocumentSafetyTests(DependenciesFixture deps, SharedSimulator simulator) : IAsyncLifetime
{
    private ChatApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, simulator.Server);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public void Csv_quoted_fields_keep_commas_quotes_and_line_breaks_inside_one_cell()
    {
        var csv = "name,notes,city\r\n"
                  + "Alice,\"line one\nline two, with a comma\",Paris\r\n"
                  + "\"Bob \"\"the builder\"\"\",plain,\"Lyon\"\r\n";

        var blocks = TextExtractor.Extract("csv", Encoding.UTF8.GetBytes(csv));

        Assert.Equal(2, blocks.Count);
        Assert.Equal("name: Alice; notes: line one\nline two, with a comma; city: Paris", blocks[0].Text);
        Assert.Equal("name: Bob \"the builder\"; notes: plain; city: Lyon", blocks[1].Text);
    }

    public static TheoryData<string, byte[]> Mismatches => new()
    {
        { "report.pdf", "Just some text, not a PDF"u8.ToArray() },
        { "image.pdf", [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A] },
        { "notes.txt", [(byte)'c', (byte)'a', (byte)'f', 0xE9] }, // Latin-1 'é': not UTF-8
        { "notes.md", "# Title\n\u0000binary"u8.ToArray() },
        { "table.csv", [0xFF, 0xFE, (byte)'a', 0, (byte)',', 0] }, // UTF-16
        { "fake.txt", "%PDF-1.7\n"u8.ToArray().Concat(new byte[] { 0xC3, 0x28 }).ToArray() },
    };

    [Theory]
    [MemberData(nameof(Mismatches))]
    public async Task A_file_whose_bytes_do_not_match_its_type_is_refused_at_upload(string fileName, byte[] content)
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        using var response = await alice.UploadAsync(fileName, content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("CONTENT_MISMATCH", problem.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        var list = await alice.Http.GetFromJsonAsync<JsonElement>("/api/documents");
        Assert.Equal(0, list.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Files_that_match_their_type_are_accepted()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        using var markdown = await alice.UploadAsync("bom.md", [0xEF, 0xBB, 0xBF, .. "# Bread\n\nSourdough rises slowly."u8.ToArray()]);
        using var csv = await alice.UploadAsync("t.csv", "a,b\n\"x\ny\",z\n"u8.ToArray());

        Assert.Equal(HttpStatusCode.Accepted, markdown.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, csv.StatusCode);
    }
}
