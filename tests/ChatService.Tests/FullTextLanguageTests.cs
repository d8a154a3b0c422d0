using ChatService.Data;
using ChatService.Ingestion;
using ChatService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Testing;

namespace ChatService.Tests;

/// <summary>Full-text search in the document's language: an Italian document is stemmed as Italian, not as English.</summary>
[Collection("dependencies")]
public sealed class FullTextLanguageTests(DependenciesFixture deps, SharedSimulator simulator) : IAsyncLifetime
{
    private const string Library = """
        La biblioteca civica apre alle nove del mattino e chiude alle sette di sera.
        Il prestito dei libri è gratuito per i residenti della città e dura trenta giorni.
        """;

    private ChatApp _app = null!;

    // no Chroma: full text is the only retrieval, so only the right stemming can find the passage
    public async Task InitializeAsync() =>
        _app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, simulator.Server);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task An_italian_question_in_other_word_forms_finds_the_italian_passage()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        var id = await alice.UploadTextAsync("biblioteca.txt", Library);
        await alice.WaitForDocumentStatusAsync(id, "pending_index", TimeSpan.FromSeconds(30));

        // "aprono", "biblioteche", "civiche": none of these words is in the text; Italian stemming finds them
        var answer = await alice.ChatJsonAsync(new { message = "Quando aprono le biblioteche civiche?" });

        var citation = Assert.Single(answer.GetProperty("citations").EnumerateArray());
        Assert.Equal(id, citation.GetProperty("documentId").GetGuid());
        Assert.Contains("biblioteca civica apre", citation.GetProperty("snippet").GetString(), StringComparison.Ordinal);
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        Assert.Equal("italian", await db.Documents.Where(d => d.Id == id).Select(d => d.Language).SingleAsync());
        Assert.All(await db.Chunks.Where(c => c.DocumentId == id).Select(c => c.SearchConfig).ToListAsync(),
            c => Assert.Equal("italian", c));
    }

    [Fact]
    public async Task An_english_document_is_still_stemmed_as_english()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        var id = await alice.UploadTextAsync("volcanoes.md", SampleDocuments.Volcano);
        await alice.WaitForDocumentStatusAsync(id, "pending_index", TimeSpan.FromSeconds(30));

        var answer = await alice.ChatJsonAsync(new { message = "Which eruptions grounded flights?" });

        Assert.Contains(answer.GetProperty("citations").EnumerateArray(), c => c.GetProperty("documentId").GetGuid() == id);
    }

    [Theory]
    [InlineData("The pump is inspected every week and the seals are replaced when they wear out.", "english")]
    [InlineData("La pompa viene ispezionata ogni settimana e le guarnizioni sono sostituite quando si consumano.", "italian")]
    [InlineData("SKU-1234; 55; 12.3; ACME-9", "simple")]
    public void The_language_is_detected_from_common_words(string text, string expected) =>
        Assert.Equal(expected, TextLanguage.Detect([text]));
}
