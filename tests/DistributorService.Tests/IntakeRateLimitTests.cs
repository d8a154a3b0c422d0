using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ServiceDefaults.Auth;
using Testing;

namespace DistributorService.Tests;

/// <summary>Event intake is rate-limited per publisher (RateLimits:events; generous by default, tight here).</summary>
[Collection("dependencies")]
public sealed class IntakeRateLimitTests(DependenciesFixture deps) : IAsyncLifetime
{
    private DistributorApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = await DistributorApp.StartAsync(deps, s =>
        {
            s["RateLimits:events:PermitLimit"] = "3";
            s["RateLimits:events:Window"] = "01:00:00";
        });
        await _app.Client.CreateDestinationAsync(DistributorClient.Destination(new Uri("http://127.0.0.1:9/never")));
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private HttpClient As(string subject)
    {
        var client = _app.Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            TestSettings.Token(subject, AuthRoles.Publisher));
        return client;
    }

    [Fact]
    public async Task A_publisher_over_its_limit_gets_429_rate_limited_and_other_publishers_still_post()
    {
        using var evaluation = As("evaluationservice");
        using var chat = As("chatservice");
        for (var i = 0; i < 3; i++)
        {
            using var accepted = await evaluation.PostAsJsonAsync("/api/events",
                new { type = "evaluation.completed", payload = new { n = i } });
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        using var refused = await evaluation.PostAsJsonAsync("/api/events", new { type = "evaluation.completed", payload = new { n = 4 } });
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        Assert.Equal("RATE_LIMITED", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        using var other = await chat.PostAsJsonAsync("/api/events", new { type = "chat.message", payload = new { n = 1 } });
        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
    }
}
