using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChatService.Tests.Infrastructure;
using Testing;

namespace ChatService.Tests;

/// <summary><c>GET /api/documents/{id}/chunks</c>: the owner's chunks in document order, keyset-paged; 404 for anyone else.</summary>
[Collection("dependencies")]
public sealed class DocumentChunksTests(DependenciesFixture deps, SharedSimulator simulator) : IAsyncLifetime
{
    private ChatApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, simulator.Server);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Owner_reads_every_chunk_of_a_document_page_by_page_and_other_users_get_404()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        using var bob = new ChatApiClient(_app.ClientFor(Users.New("bob")));
        var sections = Enumerable.Range(1, 6).Select(Section).ToList();
        var doc = await alice.UploadTextAsync("handbook.md", string.Join("\n\n", sections));
        var ready = await alice.WaitForDocumentStatusAsync(doc, "pending_index", TimeSpan.FromSeconds(30));
        var total = ready.GetProperty("chunks").GetInt32();
        Assert.True(total >= 3, $"the document should have several chunks: {ready}");

        var all = await alice.Http.GetFromJsonAsync<JsonElement>($"/api/documents/{doc}/chunks?limit=100");
        Assert.Equal(JsonValueKind.Null, all.GetProperty("nextCursor").ValueKind);
        var items = all.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(total, items.Count);
        Assert.Equal(Enumerable.Range(0, total), items.Select(i => i.GetProperty("index").GetInt32()));
        Assert.All(items, i => Assert.False(string.IsNullOrWhiteSpace(i.GetProperty("id").GetString())));
        var text = string.Join("\n", items.Select(i => i.GetProperty("text").GetString()));
        Assert.All(Enumerable.Range(1, 6), n => Assert.Contains($"Rule {n} of the handbook", text, StringComparison.Ordinal));

        var paged = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await alice.Http.GetFromJsonAsync<JsonElement>(
                $"/api/documents/{doc}/chunks?limit=2" + (cursor is null ? string.Empty : $"&cursor={Uri.EscapeDataString(cursor)}"));
            var pageItems = page.GetProperty("items").EnumerateArray().ToList();
            Assert.InRange(pageItems.Count, 1, 2);
            paged.AddRange(pageItems.Select(i => i.GetProperty("id").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 50);

        Assert.Equal(items.Select(i => i.GetProperty("id").GetString()), paged);
        Assert.Equal((total + 1) / 2, pages);

        using (var foreign = await bob.Http.GetAsync($"/api/documents/{doc}/chunks"))
        {
            Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
            Assert.Contains("DOCUMENT_NOT_FOUND", await foreign.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var missing = await alice.Http.GetAsync($"/api/documents/{Guid.NewGuid()}/chunks"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=101")]
    [InlineData("cursor=not-a-cursor")]
    public async Task Chunks_with_a_bad_limit_or_cursor_are_rejected(string query)
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        var doc = await alice.UploadTextAsync("short.txt", "A short document about nothing in particular.");

        using var response = await alice.Http.GetAsync($"/api/documents/{doc}/chunks?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static string Section(int n)
    {
        var body = new StringBuilder($"# Section {n}\n\nRule {n} of the handbook says the following. ");
        for (var i = 0; i < 60; i++)
        {
            body.Append(CultureInvariant($"Sentence {i} of section {n} explains procedure detail number {i} for the operators on duty. "));
        }

        return body.ToString();
    }

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);
}
