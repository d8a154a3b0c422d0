using System.Net;
using ChatService.Tests.Infrastructure;
using Testing;

namespace ChatService.Tests;

/// <summary>The page's files are anonymous; nothing else is: the APIs keep their bearer requirement, probes stay as they were.</summary>
[Collection("dependencies")]
public sealed class ChatPageHostingTests(DependenciesFixture deps, SharedSimulator simulator) : IAsyncLifetime
{
    private ChatApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, simulator.Server);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("/", "text/html", "<script src=\"app.js\" defer></script>")]
    [InlineData("/index.html", "text/html", "id=\"sign-in-form\"")]
    [InlineData("/app.js", "text/javascript", "text/event-stream")]
    [InlineData("/app.css", "text/css", ".flag-degraded")]
    [InlineData("/favicon.svg", "image/svg+xml", "<svg")]
    public async Task Page_files_are_served_without_a_token(string path, string mediaType, string content)
    {
        using var anonymous = _app.AnonymousClient();

        using var response = await anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-cache", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        Assert.Contains(content, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/sessions")]
    [InlineData("/api/documents")]
    [InlineData("/api/activity")]
    [InlineData("/v1/models")]
    [InlineData("/favicon.ico")]
    [InlineData("/index.htm")]
    public async Task Everything_but_the_page_files_still_needs_a_token(string path)
    {
        using var anonymous = _app.AnonymousClient();

        using var response = await anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("/alive", "text/plain")]
    [InlineData("/health/ready", "application/json")]
    [InlineData("/metrics", "text/plain")]
    [InlineData("/openapi/v1.json", "application/json")]
    public async Task Probes_metrics_and_openapi_answer_as_before(string path, string mediaType)
    {
        using var anonymous = _app.AnonymousClient();

        using var response = await anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_post_to_the_root_is_not_answered_with_the_page()
    {
        using var anonymous = _app.AnonymousClient();

        using var response = await anonymous.PostAsync("/", new StringContent("{}"));

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual("text/html", response.Content.Headers.ContentType?.MediaType);
    }
}
