using System.Diagnostics;
using ChatService.Chroma;
using ChatService.Data;
using ChatService.Llm;
using ChatService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Testing;

namespace ChatService.Tests;

/// <summary>
/// Concurrent vector queries with the same filter share one Chroma request (<see cref="ChromaQueryBatcher"/>), against a
/// real Chroma: each query still gets the answer a request of its own gets, a request never carries another owner's
/// query, and a query that is cancelled leaves the others' answers alone.
/// </summary>
[Collection("dependencies")]
public sealed class ChromaQueryBatchTests(DependenciesFixture deps, SharedSimulator simulator) : IAsyncLifetime
{
    private static readonly ActivitySource Turns = new("ChromaQueryBatchTests");
    private readonly SpanRecorder _recorder = new("ChatService", "ChromaQueryBatchTests");
    private ChatApp _app = null!;
    private readonly string _alice = Users.New("alice");
    private readonly string _bob = Users.New("bob");

    public async Task InitializeAsync()
    {
        var chroma = await deps.GetChromaAsync();
        _app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma.BaseAddress, simulator.Server);
        foreach (var (user, name, text) in new[]
                 {
                     (_alice, "volcanoes.md", SampleDocuments.Volcano), (_alice, "bread.md", SampleDocuments.Bread),
                     (_bob, "volcanoes.md", SampleDocuments.Volcano),
                 })
        {
            using var client = new ChatApiClient(_app.ClientFor(user));
            var id = await client.UploadTextAsync(name, text);
            await client.WaitForDocumentStatusAsync(id, "ready", TimeSpan.FromSeconds(30));
        }
    }

    public async Task DisposeAsync()
    {
        _recorder.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Concurrent_queries_share_requests_and_each_gets_its_own_answer_within_its_owner()
    {
        var questions = new[]
        {
            "How long did the Hekla eruption last?", "What makes bread rise?", "Which volcano erupted in 1947?",
            "How long should dough be kneaded?", "What is lava made of?", "Why does sourdough taste sour?",
        };
        var embeddings = _app.Get<EmbeddingService>();
        var vectors = new List<float[]>();
        foreach (var question in questions)
        {
            vectors.Add(await embeddings.EmbedQueryAsync(question, CancellationToken.None));
        }

        var space = embeddings.SpaceFor(vectors[0].Length);
        var batcher = _app.Get<ChromaQueryBatcher>();
        // Alice's and Bob's queries, all at once: 24 queries, two filters.
        var asked = Enumerable.Range(0, 24)
            .Select(i => (Owner: i % 2 == 0 ? _alice : _bob, Vector: vectors[i % vectors.Count])).ToList();
        var traces = new List<string>();
        var together = await Task.WhenAll(asked.Select(q =>
        {
            // Each query in a trace of its own, as each turn's is.
            using var turn = Turns.StartActivity("turn", ActivityKind.Internal, parentContext: default);
            traces.Add(turn!.TraceId.ToHexString());
            return batcher.QueryAsync(space, q.Vector, 15, q.Owner, null, CancellationToken.None);
        }));

        Assert.Contains(together, answer => answer.BatchSize > 1);
        // A shared request is in the trace of its first query and linked from the others: every turn's trace reaches it.
        var requests = _recorder.Spans
            .Where(s => s.OperationName == "chroma.query_batch" && traces.Contains(s.TraceId.ToHexString())).ToList();
        Assert.Equal(asked.Count, requests.Sum(r => (int)r.GetTagItem("chroma.batch_size")!));
        Assert.All(requests, r => Assert.Equal((int)r.GetTagItem("chroma.batch_size")! - 1, r.Links.Count()));
        Assert.Equal(traces.Order(), requests
            .SelectMany(r => r.Links.Select(l => l.Context.TraceId.ToHexString()).Prepend(r.TraceId.ToHexString())).Order());
        for (var i = 0; i < asked.Count; i++)
        {
            var alone = await batcher.QueryAsync(space, asked[i].Vector, 15, asked[i].Owner, null, CancellationToken.None);
            Assert.Equal(1, alone.BatchSize);
            Assert.NotEmpty(alone.Matches);
            Assert.Equal(alone.Matches.Select(m => m.Id), together[i].Matches.Select(m => m.Id));
            Assert.Equal(alone.Matches.Select(m => Math.Round(m.Distance, 5)), together[i].Matches.Select(m => Math.Round(m.Distance, 5)));
            Assert.All(await OwnersOfAsync(together[i].Matches), owner => Assert.Equal(asked[i].Owner, owner));
        }
    }

    [Fact]
    public async Task A_cancelled_query_is_released_and_the_others_are_answered()
    {
        var embeddings = _app.Get<EmbeddingService>();
        var vector = await embeddings.EmbedQueryAsync("What makes bread rise?", CancellationToken.None);
        var space = embeddings.SpaceFor(vector.Length);
        var batcher = _app.Get<ChromaQueryBatcher>();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var others = Enumerable.Range(0, 8)
            .Select(_ => batcher.QueryAsync(space, vector, 5, _alice, null, CancellationToken.None)).ToList();
        var gone = batcher.QueryAsync(space, vector, 5, _alice, null, cancelled.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gone);
        foreach (var answer in await Task.WhenAll(others))
        {
            Assert.NotEmpty(answer.Matches);
        }
    }

    private async Task<List<string>> OwnersOfAsync(IReadOnlyList<ChromaMatch> matches)
    {
        var ids = matches.Select(m => m.Id).ToList();
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        var owners = await db.Chunks.AsNoTracking().Where(c => ids.Contains(c.Id)).Select(c => c.Owner).ToListAsync();
        Assert.Equal(ids.Count, owners.Count);
        return owners;
    }
}
