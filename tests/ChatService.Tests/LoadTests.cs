using System.Collections.Concurrent;
using System.Net;
using ChatService.Tests.Infrastructure;
using ServiceDefaults.Data;
using Testing;

namespace ChatService.Tests;

[Collection("dependencies")]
public sealed class LoadTests(DependenciesFixture deps, SharedSimulator simulator)
{
    [Fact]
    public async Task A_thousand_chats_with_a_pool_of_five_exhaust_nothing_and_leave_the_pool_idle()
    {
        await using var app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, simulator.Server,
            new Dictionary<string, string?> { ["Database:MaxPoolSize"] = "5", ["Chat:CacheAnswers"] = "false",
                // why: one user sends the thousand chats; the per-user rate limit (UserLimitsTests) is not what this measures
                ["RateLimits:chat:Enabled"] = "false",
            });
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));
        var id = await alice.UploadTextAsync("bread.txt", SampleDocuments.Bread);
        await alice.WaitForDocumentStatusAsync(id, "pending_index", TimeSpan.FromSeconds(30));
        var failures = new ConcurrentBag<string>();

        async Task ChatAsync(int i)
        {
            using var response = await alice.ChatAsync(new { message = $"Question {i}: how does sourdough rise?" });
            if (response.StatusCode != HttpStatusCode.OK)
            {
                failures.Add($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }

        await Parallel.ForEachAsync(Enumerable.Range(0, 800), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, _) => await ChatAsync(i));
        for (var i = 800; i < 1000; i++)
        {
            await ChatAsync(i);
        }

        Assert.Empty(failures);
        var pool = app.Get<DbPoolObserver>();
        await Eventually.UntilAsync(() => pool.UsedConnections() == 0, TimeSpan.FromSeconds(20),
            "every pooled connection should be returned after the load");
    }
}
