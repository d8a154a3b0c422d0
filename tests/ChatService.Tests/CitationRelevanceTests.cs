using System.Text.Json;
using ChatService.Rag;
using ChatService.Tests.Infrastructure;
using Testing;

namespace ChatService.Tests;

/// <summary>
/// Citations a reader can trust: weak matches are not cited (an unanswerable question gets none and the model is told
/// the answer is not in the documents), and each citation carries its scores and the sentence that matched.
/// </summary>
[Collection("dependencies")]
public sealed class CitationRelevanceTests(DependenciesFixture deps) : IAsyncLifetime
{
    private OllamaSimulator.OllamaSimulatorServer _simulator = null!;
    private ChatApp _app = null!;

    public async Task InitializeAsync()
    {
        _simulator = await OllamaSimulator.OllamaSimulatorServer.StartAsync();
        var chroma = await deps.GetChromaAsync();
        // the in-process model embeds (its similarities are what the cut-off is set for); the simulator only generates
        _app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma.BaseAddress, _simulator,
            new Dictionary<string, string?> { ["Embeddings:Provider"] = "Embedded", ["Chat:CacheAnswers"] = "false" });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _simulator.DisposeAsync();
    }

    [Fact]
    public async Task An_unanswerable_question_cites_nothing_and_the_model_is_told_it_is_not_in_the_documents()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        await ReadyAsync(alice, "volcanoes.md", SampleDocuments.Volcano);
        await ReadyAsync(alice, "bread.txt", SampleDocuments.Bread);
        await _simulator.ResetAsync();

        var answer = await alice.ChatJsonAsync(new { message = "What is the boiling point of mercury in kelvin?" });

        Assert.Equal(0, answer.GetProperty("citations").GetArrayLength());
        var prompt = _simulator.Requests.Single(r => r.Endpoint == "chat").Messages[0].Content;
        Assert.Contains("not in your documents", prompt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_citation_carries_its_scores_and_the_sentence_that_matched()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        var volcano = await ReadyAsync(alice, "volcanoes.md", SampleDocuments.Volcano);
        await ReadyAsync(alice, "bread.txt", SampleDocuments.Bread);

        var answer = await alice.ChatJsonAsync(new { message = "How long did the 1947 eruption of Hekla last?" });

        var citations = answer.GetProperty("citations").EnumerateArray().ToList();
        var first = Assert.Single(citations, c => c.GetProperty("snippet").GetString()!.Contains("1947", StringComparison.Ordinal));
        Assert.Equal(volcano, first.GetProperty("documentId").GetGuid());
        Assert.Equal("Its eruption in 1947 lasted thirteen months.", first.GetProperty("snippet").GetString());
        Assert.True(first.GetProperty("score").GetDouble() > 0);
        Assert.True(first.GetProperty("similarity").GetDouble() >= 0.3, first.ToString());
        Assert.True(first.GetProperty("coverage").GetDouble() >= 0.5, first.ToString());
        Assert.DoesNotContain(citations, c => c.GetProperty("documentId").GetGuid() != volcano); // bread is not relevant
    }

    [Theory]
    [InlineData(0.5, 0.0, true)] // near in meaning
    [InlineData(0.1, 0.5, true)] // far in meaning, but the question's words are there
    [InlineData(null, 0.5, true)] // full text only, enough words
    [InlineData(0.1, 0.2, false)]
    [InlineData(null, 0.2, false)]
    public void The_cut_off_keeps_a_passage_near_in_meaning_or_in_words(double? similarity, double coverage, bool kept) =>
        Assert.Equal(kept, HybridRetriever.IsRelevant(similarity, coverage, new RetrievalOptions()));

    [Fact]
    public void The_matching_sentence_is_the_one_with_most_question_words()
    {
        var words = PassageMatch.ContentWords("How long did the 1947 eruption of Hekla last?");
        Assert.Equal(["1947", "eruption", "hekla", "last"], words.Order());
        var match = PassageMatch.Of(words, "Volcanoes of Iceland",
            "Hekla is one of the most active volcanoes in Iceland. Its eruption in 1947 lasted thirteen months.\nIt is 1491 m high.");
        Assert.Equal("Its eruption in 1947 lasted thirteen months.", match.Sentence);
        Assert.Equal(1.0, match.Coverage);
    }

    private static async Task<Guid> ReadyAsync(ChatApiClient client, string name, string text)
    {
        var id = await client.UploadTextAsync(name, text);
        var document = await client.WaitForDocumentStatusAsync(id, "ready", TimeSpan.FromSeconds(60));
        Assert.Equal("ready", document.GetProperty("status").GetString());
        return id;
    }
}
