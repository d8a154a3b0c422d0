using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatService.Ingestion;
using ChatService.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Testing;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace ChatService.Tests;

/// <summary>PDFs are parsed in a limited child process; whatever goes wrong there ends the document failed, once.</summary>
[Collection("dependencies")]
public sealed class PdfSandboxTests(DependenciesFixture deps, SharedSimulator simulator)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static byte[] Pdf(params string[] pages)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        foreach (var text in pages)
        {
            var page = builder.AddPage(UglyToad.PdfPig.Content.PageSize.A4);
            page.AddText(text, 12, new UglyToad.PdfPig.Core.PdfPoint(50, 700), font);
        }

        return builder.Build();
    }

    private Task<ChatApp> StartAsync(Dictionary<string, string?> overrides) =>
        ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, simulator.Server, overrides);

    private async Task<(int Attempt, string State)> IngestionJobAsync(ChatApp app, Guid documentId)
    {
        await using var connection = new NpgsqlConnection(deps.Postgres.ConnectionStringFor(app.Database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select attempt, state from jobs where idempotency_key = @key", connection);
        command.Parameters.AddWithValue("key", $"ingest:{documentId:N}");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetInt32(0), reader.GetString(1));
    }

    private static async Task<Guid> UploadAsync(ChatApiClient client, string name, byte[] pdf)
    {
        using var response = await client.UploadAsync(name, pdf);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task A_normal_pdf_is_extracted_with_its_page_numbers_and_a_pdf_over_the_page_cap_fails_with_a_reason()
    {
        await using var app = await StartAsync(new() { ["Ingestion:Pdf:MaxPages"] = "2" });
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));

        var good = await UploadAsync(alice, "bread.pdf", Pdf("Sourdough rises because of wild yeast.", "Rye bread is dense."));
        await alice.WaitForDocumentStatusAsync(good, "pending_index", Deadline);
        var chunks = await alice.Http.GetFromJsonAsync<JsonElement>($"/api/documents/{good}/chunks");
        var items = chunks.GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(items, c => c.GetProperty("text").GetString()!.Contains("wild yeast", StringComparison.Ordinal));
        Assert.Contains(items, c => c.GetProperty("text").GetString()!.Contains("Rye bread", StringComparison.Ordinal));

        var big = await UploadAsync(alice, "three.pdf", Pdf("one", "two", "three"));
        var failed = await alice.WaitForDocumentStatusAsync(big, "failed", Deadline);
        Assert.Equal("The PDF has 3 pages; the limit is 2.", failed.GetProperty("error").GetString());
        Assert.Equal((1, "succeeded"), await IngestionJobAsync(app, big));
    }

    [Theory]
    [InlineData("crash", "exit code")]
    [InlineData("hang", "did not finish within 3 s")]
    public async Task A_parser_that_crashes_or_hangs_ends_the_document_failed_after_one_attempt(string fault, string reason)
    {
        await using var app = await StartAsync(new()
        {
            ["Ingestion:Pdf:TestFault"] = fault,
            ["Ingestion:Pdf:WallTimeout"] = "00:00:03",
            ["Ingestion:MaxAttempts"] = "3",
        });
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));

        var id = await UploadAsync(alice, "poison.pdf", Pdf("whatever"));
        var failed = await alice.WaitForDocumentStatusAsync(id, "failed", Deadline);

        Assert.Contains(reason, failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        // One attempt, finished: a poisonous PDF is not handed to the next replica.
        Assert.Equal((1, "succeeded"), await IngestionJobAsync(app, id));
    }

    [Fact]
    public async Task Cancelling_the_extraction_kills_the_child()
    {
        var sandbox = new PdfSandbox(Options.Create(new PdfSandboxOptions { TestFault = "hang", WallTimeout = TimeSpan.FromMinutes(5) }),
            NullLogger<PdfSandbox>.Instance);
        using var cancel = new CancellationTokenSource();
        var extraction = sandbox.ExtractAsync(Pdf("x"), cancel.Token);
        var children = await Eventually.UntilAsync(_ => Task.FromResult(ExtractorChildren()), c => c.Count > 0, TimeSpan.FromSeconds(20),
            "the parser child should be running");

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => extraction);
        await Eventually.UntilAsync(() => children.All(pid => !IsAlive(pid)), TimeSpan.FromSeconds(10),
            "the parser child should be killed");
    }

    /// <summary>Parser processes started from this test run's build output (the command line names its ChatService.dll).</summary>
    private static List<int> ExtractorChildren() =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0)
            .Where(pid => ReadCommandLine(pid) is var line
                          && line.Contains(PdfExtractorProcess.Argument, StringComparison.Ordinal)
                          && line.Contains(AppContext.BaseDirectory, StringComparison.Ordinal))
            .ToList();

    /// <summary>Running (not gone, not a zombie awaiting its parent).</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string ReadCommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }
}
