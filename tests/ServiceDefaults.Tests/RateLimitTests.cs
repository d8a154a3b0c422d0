using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ServiceDefaults.Auth;
using ServiceDefaults.RateLimiting;

namespace ServiceDefaults.Tests;

public sealed class RateLimitTests
{
    private static Task<TestApp> StartAsync(IDictionary<string, string?>? settings = null) =>
        TestApp.StartAsync(
            configure: b => b.AddUserRateLimit("test", new UserRateLimitOptions { PermitLimit = 50, Window = TimeSpan.FromHours(1) }),
            map: app =>
            {
                app.MapPost("/api/limited", () => TypedResults.Ok("ok")).RequireRateLimiting("test");
                app.MapPost("/api/free", () => TypedResults.Ok("ok"));
            },
            settings: settings ?? new Dictionary<string, string?> { ["RateLimits:test:PermitLimit"] = "2" });

    [Fact]
    public async Task A_user_over_the_limit_gets_429_rate_limited_with_retry_after_and_other_users_and_endpoints_are_unaffected()
    {
        await using var app = await StartAsync();

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Request(HttpMethod.Post, "/api/limited", "alice"))).StatusCode);
        }

        using var refused = await app.Client.SendAsync(app.Request(HttpMethod.Post, "/api/limited", "alice"));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("RATE_LIMITED", problem.GetProperty("code").GetString());
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));

        // The partition is the caller's sub: bob has his own window; an endpoint without the policy is not limited.
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Request(HttpMethod.Post, "/api/limited", "bob"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Request(HttpMethod.Post, "/api/free", "alice"))).StatusCode);
    }

    [Fact]
    public async Task Admins_are_limited_unless_the_policy_exempts_them()
    {
        await using (var app = await StartAsync())
        {
            for (var i = 0; i < 2; i++)
            {
                await app.Client.SendAsync(app.Request(HttpMethod.Post, "/api/limited", "root", admin: true));
            }

            Assert.Equal(HttpStatusCode.TooManyRequests,
                (await app.Client.SendAsync(app.Request(HttpMethod.Post, "/api/limited", "root", admin: true))).StatusCode);
        }

        await using var exempting = await StartAsync(new Dictionary<string, string?>
        {
            ["RateLimits:test:PermitLimit"] = "2",
            ["RateLimits:test:ExemptAdmins"] = "true",
        });
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK,
                (await exempting.Client.SendAsync(exempting.Request(HttpMethod.Post, "/api/limited", "root", admin: true))).StatusCode);
        }
    }

    [Fact]
    public async Task Delegated_calls_do_not_use_up_the_users_own_limit_unless_the_policy_counts_them()
    {
        var settings = new Dictionary<string, string?>
        {
            ["RateLimits:test:PermitLimit"] = "2",
            ["Auth:AllowedActors:0"] = "evaluationservice",
        };
        await using (var app = await StartAsync(settings))
        {
            // An evaluation of many cases acts for alice; her interactive limit stays hers.
            for (var i = 0; i < 4; i++)
            {
                using var response = await app.Client.SendAsync(Delegated("alice"));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Request(HttpMethod.Post, "/api/limited", "alice"))).StatusCode);
        }

        settings["RateLimits:test:ExemptDelegated"] = "false";
        await using var counting = await StartAsync(settings);
        for (var i = 0; i < 2; i++)
        {
            await counting.Client.SendAsync(Delegated("alice"));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await counting.Client.SendAsync(Delegated("alice"))).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests,
            (await counting.Client.SendAsync(counting.Request(HttpMethod.Post, "/api/limited", "alice"))).StatusCode);

        static HttpRequestMessage Delegated(string user)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/limited");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer",
                DevTokenIssuer.MintDelegated(TestApp.SigningKey, user, "evaluationservice", "aspire-chat-dev", TestApp.Audience,
                    TimeSpan.FromMinutes(5)));
            return request;
        }
    }

    [Fact]
    public async Task The_openapi_document_lists_429_on_rate_limited_operations_only()
    {
        await using var app = await StartAsync();

        using var document = JsonDocument.Parse(await app.Client.GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");
        var limited = paths.GetProperty("/api/limited").GetProperty("post").GetProperty("responses");
        Assert.True(limited.GetProperty("429").GetProperty("content").TryGetProperty("application/problem+json", out _));
        Assert.False(paths.GetProperty("/api/free").GetProperty("post").GetProperty("responses").TryGetProperty("429", out _));
    }

    [Fact]
    public async Task Anonymous_callers_are_401_before_they_count()
    {
        await using var app = await StartAsync();

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.PostAsync("/api/limited", null)).StatusCode);
        }
    }

    [Fact]
    public async Task An_invalid_policy_option_fails_the_start_with_its_name()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            StartAsync(new Dictionary<string, string?> { ["RateLimits:test:PermitLimit"] = "0" }));
        Assert.Contains("PermitLimit", error.ToString(), StringComparison.Ordinal);
    }
}

public sealed class StreamLimitTests
{
    private static Task<TestApp> StartAsync(int maxPerUser = 2, string retryAfter = "00:00:05") =>
        TestApp.StartAsync(
            map: app => app.MapGet("/api/stream", async (HttpContext context, CancellationToken cancellationToken) =>
            {
                context.Response.ContentType = "text/event-stream";
                await context.Response.WriteAsync(": open\n\n", cancellationToken);
                await context.Response.Body.FlushAsync(cancellationToken);
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }).LimitStreamsPerUser(),
            settings: new Dictionary<string, string?>
            {
                ["Streams:MaxPerUser"] = maxPerUser.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Streams:RetryAfter"] = retryAfter,
            });

    private static HttpRequestMessage StreamRequest(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    [Fact]
    public async Task The_stream_beyond_the_per_user_cap_is_429_and_a_closed_stream_frees_its_place()
    {
        // A TimeSpan option; on the wire whole seconds, rounded up (7.5 s → 8).
        await using var app = await StartAsync(maxPerUser: 2, retryAfter: "00:00:07.500");
        var token = TestApp.Token("alice", admin: false);

        using var first = await app.Client.SendAsync(StreamRequest(token), HttpCompletionOption.ResponseHeadersRead);
        using var second = await app.Client.SendAsync(StreamRequest(token), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);

        using var third = await app.Client.SendAsync(StreamRequest(token), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(8), third.Headers.RetryAfter?.Delta);
        var problem = JsonDocument.Parse(await third.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("TOO_MANY_STREAMS", problem.GetProperty("code").GetString());
        Assert.Equal(8, problem.GetProperty("retryAfterSeconds").GetInt32());

        // Another user is not affected.
        using var bobs = await app.Client.SendAsync(StreamRequest(TestApp.Token("bob", admin: false)),
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, bobs.StatusCode);

        // Closing one stream frees a place (the server sees the disconnect and leaves).
        first.Dispose();
        var counter = app.App.Services.GetRequiredService<UserStreamCounter>();
        for (var wait = 0; counter.OpenFor("alice") != 1 && wait < 200; wait++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(1, counter.OpenFor("alice"));
        using var again = await app.Client.SendAsync(StreamRequest(token), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task A_stream_ends_by_itself_when_the_token_that_opened_it_expires()
    {
        await using var app = await StartAsync();
        var shortLived = DevTokenIssuer.Mint(TestApp.SigningKey, "alice", admin: false, "aspire-chat-dev", TestApp.Audience,
            TimeSpan.FromSeconds(5));

        using var response = await app.Client.SendAsync(StreamRequest(shortLived), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(body);
        // why: the handler never ends on its own; only the token's expiry can end this read (the 30 s guard fails the test instead)
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var rest = await reader.ReadToEndAsync(guard.Token);
        Assert.Contains(": open", rest, StringComparison.Ordinal);
        // why Eventually: the stream's slot is given back after the response completes, which can follow the client's
        // end of body by a moment on a loaded machine (a 2 s token and an immediate check failed a loaded run)
        var streams = app.App.Services.GetRequiredService<UserStreamCounter>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (streams.OpenFor("alice") != 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
        }
    }
}
