using System.Net;
using System.Net.Http.Json;
using WebhookSink;

namespace TestDoubles.Tests.Sink;

public sealed class WebhookSinkControlApiTests
{
    [Fact]
    public async Task Behaviour_set_over_http_applies_and_requests_are_listed_per_path()
    {
        using var budget = TestBudget.Start();
        await using var sink = await WebhookSinkServer.StartAsync(cancellationToken: budget.Token);
        using var http = new HttpClient { BaseAddress = sink.BaseAddress };

        using var set = await http.PostAsJsonAsync(
            "_sink/behavior", new { path = "/hooks/b", behavior = new { status = 429, retryAfterSeconds = 3 } }, budget.Token);
        using var limited = await http.PostAsync("hooks/b", new StringContent("b"), budget.Token);
        using var other = await http.PostAsync("hooks/a", new StringContent("a"), budget.Token);
        var listed = await http.GetFromJsonAsync<List<RecordedRequest>>("_sink/requests?path=/hooks/b", budget.Token);
        var stats = await http.GetFromJsonAsync<SinkStats>("_sink/stats", budget.Token);

        Assert.Equal(HttpStatusCode.NoContent, set.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("3", limited.Headers.GetValues("Retry-After").Single());
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(429, Assert.Single(listed!).ResponseStatus);
        Assert.Equal(2, stats!.Requests);
    }

    [Fact]
    public async Task Invalid_behaviour_is_refused_and_reset_over_http_clears_everything()
    {
        using var budget = TestBudget.Start();
        await using var sink = await WebhookSinkServer.StartAsync(cancellationToken: budget.Token);
        using var http = new HttpClient { BaseAddress = sink.BaseAddress };
        sink.SetBehavior(SinkBehavior.Fail(500));
        using var failed = await http.PostAsync("hooks/a", new StringContent("a"), budget.Token);

        using var invalid = await http.PostAsJsonAsync("_sink/behavior", new { behavior = new { delayMs = -5 } }, budget.Token);
        using var reset = await http.PostAsync("_sink/reset", null, budget.Token);
        using var succeeded = await http.PostAsync("hooks/a", new StringContent("a"), budget.Token);

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Equal(HttpStatusCode.OK, succeeded.StatusCode);
        Assert.Single(sink.Requests);
    }
}
