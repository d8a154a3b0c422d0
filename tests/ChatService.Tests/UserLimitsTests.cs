using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ChatService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using ServiceDefaults.Auth;
using ServiceDefaults.RateLimiting;
using Testing;

namespace ChatService.Tests;

/// <summary>Per-user rate limits (RateLimits:chat, RateLimits:uploads) and per-user caps on open activity streams.</summary>
[Collection("dependencies")]
public sealed class UserLimitsTests(DependenciesFixture deps, SharedSimulator simulator) : IAsyncLifetime
{
    private ChatApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, simulator.Server,
            new Dictionary<string, string?>
            {
                ["RateLimits:chat:PermitLimit"] = "2",
                ["RateLimits:chat:Window"] = "01:00:00",
                ["RateLimits:uploads:PermitLimit"] = "1",
                ["RateLimits:uploads:Window"] = "01:00:00",
                ["Streams:MaxPerUser"] = "2",
                ["Chat:CacheAnswers"] = "false",
            });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static async Task<JsonElement> ProblemOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task Chat_in_every_form_shares_one_per_user_limit_and_v1_refuses_in_openai_shape()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        using var bob = new ChatApiClient(_app.ClientFor(Users.New("bob")));

        using (var first = await alice.ChatAsync(new { message = "How does bread rise?" }))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using (var streamed = new HttpRequestMessage(HttpMethod.Post, "/api/chat")
        {
            Content = JsonContent.Create(new { message = "And rye?" }),
        })
        {
            streamed.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var response = await alice.Http.SendAsync(streamed);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await response.Content.ReadAsStringAsync();
        }

        using var refused = await alice.ChatAsync(new { message = "A third question" });
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        Assert.Equal("RATE_LIMITED", (await ProblemOf(refused)).GetProperty("code").GetString());

        using var task = await alice.Http.PostAsJsonAsync("/api/chat/tasks", new { message = "As a task" });
        Assert.Equal(HttpStatusCode.TooManyRequests, task.StatusCode);

        using var openAi = await alice.Http.PostAsJsonAsync("/v1/chat/completions",
            new { model = "rag", messages = new[] { new { role = "user", content = "Hello" } } });
        Assert.Equal(HttpStatusCode.TooManyRequests, openAi.StatusCode);
        Assert.NotNull(openAi.Headers.RetryAfter?.Delta);
        var error = (await ProblemOf(openAi)).GetProperty("error");
        Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());

        // Limits are per user: bob still chats.
        using var bobs = await bob.ChatAsync(new { message = "How does bread rise?" });
        Assert.Equal(HttpStatusCode.OK, bobs.StatusCode);
    }

    [Fact]
    public async Task Uploads_have_their_own_per_user_limit()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));

        await alice.UploadTextAsync("one.txt", SampleDocuments.Bread);
        using var second = await alice.UploadAsync("two.txt", "More text about bread."u8.ToArray());
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal("RATE_LIMITED", (await ProblemOf(second)).GetProperty("code").GetString());

        // Chat is a separate policy: uploads used up do not stop chatting.
        using var chat = await alice.ChatAsync(new { message = "How does bread rise?" });
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
    }

    [Fact]
    public async Task The_activity_stream_beyond_the_per_user_cap_is_429_too_many_streams()
    {
        var user = Users.New("alice");
        using var alice = new ChatApiClient(_app.ClientFor(user));
        using var first = await alice.Http.GetAsync("/api/activity", HttpCompletionOption.ResponseHeadersRead);
        using var second = await alice.Http.GetAsync("/api/activity", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);

        using var third = await alice.Http.GetAsync("/api/activity", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.NotNull(third.Headers.RetryAfter);
        Assert.Equal("TOO_MANY_STREAMS", (await ProblemOf(third)).GetProperty("code").GetString());
        Assert.Equal(2, _app.Get<UserStreamCounter>().OpenFor(user));
    }

    [Fact]
    public async Task An_activity_stream_ends_when_its_token_expires()
    {
        var user = Users.New("alice");
        using var http = _app.AnonymousClient();
        var token = DevTokenIssuer.Mint(ChatApp.SigningKey, user, admin: false, "aspire-chat-dev", ServiceAudiences.Chat,
            TimeSpan.FromSeconds(3));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await http.GetAsync("/api/activity", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // why: the activity stream never ends on its own (keep-alives); only the expiry can end this read, the guard fails the test
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var body = await response.Content.ReadAsStringAsync(guard.Token);
        Assert.Contains("subscribed", body, StringComparison.Ordinal);
        await Eventually.UntilAsync(() => _app.Get<UserStreamCounter>().OpenFor(user) == 0, TimeSpan.FromSeconds(5),
            "the expired stream should be released");
    }
}
