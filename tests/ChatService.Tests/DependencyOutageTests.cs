using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatService.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Testing;

namespace ChatService.Tests;

/// <summary>Chroma and Redis outages, each against a server of the test's own (the shared ones stay untouched).</summary>
[Collection("dependencies")]
public sealed class DependencyOutageTests(DependenciesFixture deps, SharedSimulator simulator)
{
    private static readonly Dictionary<string, string?> FastBreakers = new()
    {
        ["Chroma:Timeout"] = "00:00:01",
        ["Chroma:Breaker:BreakDuration"] = "00:00:01",
        ["Chroma:Breaker:MinimumThroughput"] = "2",
    };

    [Fact]
    public async Task Chroma_stopped_falls_back_to_full_text_keeps_pending_index_and_indexes_after_restart()
    {
        await using var chroma = new ChromaServer();
        await chroma.StartAsync(CancellationToken.None);
        await using var app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma.BaseAddress, simulator.Server,
            FastBreakers);
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));

        await chroma.StopAsync(CancellationToken.None);
        var id = await alice.UploadTextAsync("volcanoes.md", SampleDocuments.Volcano);
        var pending = await alice.WaitForDocumentStatusAsync(id, "pending_index", TimeSpan.FromSeconds(30));
        Assert.Contains("Vector index unavailable", pending.GetProperty("error").GetString(), StringComparison.Ordinal);

        var answer = await alice.ChatJsonAsync(new { message = "How long did the Hekla eruption of 1947 last?" });
        Assert.Contains(answer.GetProperty("citations").EnumerateArray(), c => c.GetProperty("documentId").GetGuid() == id);
        Assert.False(answer.GetProperty("degraded").GetBoolean());

        await chroma.RestartAsync(CancellationToken.None);
        var ready = await alice.WaitForDocumentStatusAsync(id, "ready", TimeSpan.FromSeconds(60));
        Assert.Equal(JsonValueKind.Null, ready.GetProperty("error").ValueKind);
    }

    [Fact]
    public async Task Chroma_answering_what_the_client_cannot_read_leaves_chat_answering_from_full_text()
    {
        // A "Chroma" that answers 200 {} to everything: no collection id, no ids. Reading it used to throw
        // KeyNotFoundException, which no caller treated as Chroma being unavailable (chat answered 500).
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var fake = builder.Build();
        fake.MapFallback(() => Results.Text("{}", "application/json"));
        await fake.StartAsync();
        await using var app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, new Uri(fake.Urls.First()),
            simulator.Server, FastBreakers);
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));

        var id = await alice.UploadTextAsync("volcanoes.md", SampleDocuments.Volcano);
        var pending = await alice.WaitForDocumentStatusAsync(id, "pending_index", TimeSpan.FromSeconds(30));
        Assert.Contains("could not be read", pending.GetProperty("error").GetString(), StringComparison.Ordinal);

        var answer = await alice.ChatJsonAsync(new { message = "How long did the Hekla eruption of 1947 last?" });
        Assert.Contains(answer.GetProperty("citations").EnumerateArray(), c => c.GetProperty("documentId").GetGuid() == id);
        Assert.False(answer.GetProperty("degraded").GetBoolean());
    }

    [Fact]
    public async Task Redis_stopped_leaves_chat_and_ingestion_working()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync(CancellationToken.None);
        await using var app = await ChatApp.StartAsync(deps.Postgres, redis.ConnectionString, chroma: null, simulator.Server);
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));
        await alice.ChatJsonAsync(new { message = "warm up the cache" });

        await redis.StopAsync(CancellationToken.None);

        var answer = await alice.ChatJsonAsync(new { message = "Is the chat still answering without Redis?" });
        Assert.False(answer.GetProperty("degraded").GetBoolean());
        Assert.False(string.IsNullOrWhiteSpace(answer.GetProperty("answer").GetString()));
        var id = await alice.UploadTextAsync("bread.txt", SampleDocuments.Bread);
        await alice.WaitForDocumentStatusAsync(id, "pending_index", TimeSpan.FromSeconds(30));

        using var probe = app.AnonymousClient();
        var health = await probe.GetFromJsonAsync<JsonElement>("/health/ready");
        Assert.NotEqual("Unhealthy", health.GetProperty("status").GetString());
    }
}
