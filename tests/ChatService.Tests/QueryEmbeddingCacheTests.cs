using ChatService.Caching;
using ChatService.Tests.Infrastructure;
using Testing;

namespace ChatService.Tests;

/// <summary>
/// Question vectors are cached in memory and in Redis (<see cref="QueryEmbeddingCache"/>): a repeated question is not
/// embedded again, another replica reads the vector from Redis, and a Redis that does not answer is a miss within the
/// read timeout, never an error.
/// </summary>
[Collection("dependencies")]
public sealed class QueryEmbeddingCacheTests(DependenciesFixture deps, SharedSimulator simulator)
{
    // why: the answer cache would answer a repeated question before retrieval, and with it the embedding, ever ran
    private static readonly Dictionary<string, string?> NoAnswerCache = new() { ["Chat:CacheAnswers"] = "false" };

    [Fact]
    public async Task A_repeated_question_is_embedded_once()
    {
        var chroma = await deps.GetChromaAsync();
        await using var app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma.BaseAddress, simulator.Server,
            NoAnswerCache);
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));
        var question = $"What do owls eat at night, asked {Guid.NewGuid():N}?";

        var before = simulator.Server.EmbedRequests;
        await alice.ChatJsonAsync(new { message = question });
        Assert.Equal(before + 1, simulator.Server.EmbedRequests);

        await alice.ChatJsonAsync(new { message = question });
        await alice.ChatJsonAsync(new { message = question + " " });
        Assert.Equal(before + 1, simulator.Server.EmbedRequests);
    }

    [Fact]
    public async Task Another_replica_reads_the_vector_from_redis()
    {
        await using var first = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, simulator: null);
        await using var second = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, simulator: null);
        var key = $"test:embq:{Guid.NewGuid():N}";
        float[] vector = [0.25f, -1.5f, 3.125f, float.Epsilon];

        Assert.Null(await second.Get<QueryEmbeddingCache>().GetAsync(key, CancellationToken.None));
        await first.Get<QueryEmbeddingCache>().SetAsync(key, vector);

        // The write is not waited for: the second replica sees it once Redis has it.
        var read = await Eventually.UntilAsync(ct => second.Get<QueryEmbeddingCache>().GetAsync(key, ct), v => v is not null,
            TimeSpan.FromSeconds(10), "the vector should reach Redis");
        Assert.Equal(vector, read);
    }

    [Fact]
    public async Task A_redis_that_does_not_answer_is_a_miss_within_the_read_timeout()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync(CancellationToken.None);
        await using var app = await ChatApp.StartAsync(deps.Postgres, redis.ConnectionString, chroma: null, simulator: null,
            new Dictionary<string, string?> { ["Chat:EmbeddingCacheReadTimeout"] = "00:00:00.100" });
        var cache = app.Get<QueryEmbeddingCache>();
        var key = $"test:embq:{Guid.NewGuid():N}";
        await cache.SetAsync($"{key}:other", [1f]);

        await redis.PauseAsync();
        try
        {
            // why: the guard is 30 × the read timeout and below StackExchange.Redis' own 5 s: only the read timeout ends it
            var read = await cache.GetAsync(key, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(3));
            Assert.Null(read);
            await cache.SetAsync(key, [2f]);
            var written = await cache.GetAsync(key, CancellationToken.None);
            Assert.Equal(new[] { 2f }, written);
        }
        finally
        {
            await redis.ResumeAsync();
        }
    }
}
