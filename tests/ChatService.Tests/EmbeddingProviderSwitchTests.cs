using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatService.Data;
using ChatService.Rag;
using ChatService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Testing;

namespace ChatService.Tests;

/// <summary>
/// Collections record the embedding space (provider, model, dimension): a provider change re-embeds the documents into
/// the new model's collection and queries use it; no collection ever holds vectors of two models.
/// </summary>
[Collection("dependencies")]
public sealed class EmbeddingProviderSwitchTests(DependenciesFixture deps, SharedSimulator simulator)
{
    [Fact]
    public async Task Switching_from_ollama_to_the_embedded_model_reindexes_into_a_new_collection_and_queries_it()
    {
        var chroma = await deps.GetChromaAsync();
        var prefix = $"t{Guid.NewGuid():N}";
        var settings = new Dictionary<string, string?> { ["Chroma:CollectionPrefix"] = prefix };
        var user = Users.New("alice");
        Guid id;
        string database;
        int chunks;
        await using (var ollama = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma.BaseAddress, simulator.Server,
                         settings))
        {
            database = ollama.Database;
            using var alice = new ChatApiClient(ollama.ClientFor(user));
            id = await alice.UploadTextAsync("volcanoes.md", SampleDocuments.Volcano);
            chunks = (await alice.WaitForDocumentStatusAsync(id, "ready", TimeSpan.FromSeconds(30))).GetProperty("chunks").GetInt32();
            Assert.Equal("ollama:all-minilm:384", await EmbeddingModelOfAsync(ollama, id));
        }

        var embedded = new Dictionary<string, string?>(settings) { ["Embeddings:Provider"] = "Embedded" };
        await using var app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma.BaseAddress, simulator.Server,
            embedded, database: database);
        await Eventually.UntilAsync(async () => await EmbeddingModelOfAsync(app, id) == "embedded:all-MiniLM-L6-v2:384"
                                                && await StatusOfAsync(app, id) == DocumentStatus.Ready,
            TimeSpan.FromSeconds(60), "the sweeper should re-embed the document with the new provider");

        using var http = new HttpClient { BaseAddress = chroma.BaseAddress };
        var collections = await CollectionsAsync(http, prefix);
        var embeddedName = $"{prefix}-embedded-all-MiniLM-L6-v2-384";
        var embeddedCollection = Assert.Single(collections, c => c["name"]!.GetValue<string>() == embeddedName);
        Assert.Equal("all-MiniLM-L6-v2", embeddedCollection["metadata"]!["embedding_model"]!.GetValue<string>());
        Assert.Equal(384, embeddedCollection["metadata"]!["embedding_dimensions"]!.GetValue<int>());
        var records = await RecordsAsync(http, embeddedCollection["id"]!.GetValue<string>());
        Assert.Equal(chunks, records.Count);
        Assert.All(records, r => Assert.Equal(384, r.Length));
        var ollamaCollection = Assert.Single(collections, c => c["name"]!.GetValue<string>() == $"{prefix}-ollama-all-minilm-384");
        Assert.Empty(await RecordsAsync(http, ollamaCollection["id"]!.GetValue<string>())); // the old space's vectors went

        await using var scope = app.Services.CreateAsyncScope();
        var retriever = scope.ServiceProvider.GetRequiredService<HybridRetriever>();
        // no word of the passage: only the vector branch can find it
        var result = await retriever.RetrieveAsync(user, "volcanic ash stopped flights", 3, null, null, CancellationToken.None);
        Assert.True(result.VectorSearchUsed);
        Assert.Contains(result.Passages, p => p.DocumentId == id && p.Text.Contains("air traffic", StringComparison.Ordinal));
    }

    private static async Task<string?> EmbeddingModelOfAsync(ChatApp app, Guid id)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        return await db.Documents.AsNoTracking().Where(d => d.Id == id).Select(d => d.EmbeddingModel).SingleAsync();
    }

    private static async Task<string> StatusOfAsync(ChatApp app, Guid id)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        return await db.Documents.AsNoTracking().Where(d => d.Id == id).Select(d => d.Status).SingleAsync();
    }

    private const string Collections = "api/v2/tenants/default_tenant/databases/default_database/collections";

    private static async Task<List<JsonNode>> CollectionsAsync(HttpClient http, string prefix)
    {
        var all = await http.GetFromJsonAsync<JsonArray>($"{Collections}?limit=1000");
        return all!.Where(c => c!["name"]!.GetValue<string>().StartsWith(prefix, StringComparison.Ordinal)).Select(c => c!).ToList();
    }

    private static async Task<List<float[]>> RecordsAsync(HttpClient http, string collectionId)
    {
        using var response = await http.PostAsJsonAsync($"{Collections}/{collectionId}/get", new { include = new[] { "embeddings" } });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("embeddings").EnumerateArray()
            .Select(e => e.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToList();
    }
}
