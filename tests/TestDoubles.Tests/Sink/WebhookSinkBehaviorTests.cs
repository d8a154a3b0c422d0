using System.Net;
using System.Text;
using WebhookSink;

namespace TestDoubles.Tests.Sink;

public sealed class WebhookSinkBehaviorTests
{
    private static readonly TimeSpan ObservationDeadline = TimeSpan.FromSeconds(5);

    private static StringContent Event(string id = "evt-1") => new($"{{\"id\":\"{id}\"}}", Encoding.UTF8, "application/json");

    [Fact]
    public async Task Sink_records_method_path_query_headers_and_body_and_answers_200_by_default()
    {
        using var budget = TestBudget.Start();
        await using var sink = await WebhookSinkServer.StartAsync(cancellationToken: budget.Token);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(sink.UrlFor("/hooks/a"), "?v=1")) { Content = Event() };
        request.Headers.Add("webhook-id", "msg_1");

        using var response = await http.SendAsync(request, budget.Token);
        var recorded = Assert.Single(await sink.WaitForRequestsAsync(1, ObservationDeadline, budget.Token));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("POST", recorded.Method);
        Assert.Equal("/hooks/a", recorded.Path);
        Assert.Equal("?v=1", recorded.QueryString);
        Assert.Equal("msg_1", recorded.Header("Webhook-Id"));
        Assert.Equal("{\"id\":\"evt-1\"}", recorded.Body);
        Assert.Equal("evt-1", recorded.BodyAs<Dictionary<string, string>>()!["id"]);
        Assert.Equal(200, recorded.ResponseStatus);
    }

    [Fact]
    public async Task Failing_path_answers_its_status_with_retry_after_while_other_paths_succeed()
    {
        using var budget = TestBudget.Start();
        await using var sink = await WebhookSinkServer.StartAsync(cancellationToken: budget.Token);
        sink.SetBehavior("/hooks/down", SinkBehavior.Fail(503, retryAfterSeconds: 7));
        sink.SetBehavior(SinkBehavior.Succeed(204));
        using var http = new HttpClient();

        using var down = await http.PostAsync(sink.UrlFor("/hooks/down"), Event(), budget.Token);
        using var up = await http.PostAsync(sink.UrlFor("/hooks/up"), Event(), budget.Token);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), down.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.NoContent, up.StatusCode);
    }

    [Fact]
    public async Task Succeed_after_failures_fails_the_first_attempts_then_succeeds()
    {
        using var budget = TestBudget.Start();
        await using var sink = await WebhookSinkServer.StartAsync(cancellationToken: budget.Token);
        sink.SetBehavior("/hooks/flaky", SinkBehavior.SucceedAfter(2, failureStatus: 502));
        using var http = new HttpClient();

        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            using var response = await http.PostAsync(sink.UrlFor("/hooks/flaky"), Event(), budget.Token);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.BadGateway, HttpStatusCode.BadGateway, HttpStatusCode.OK, HttpStatusCode.OK], statuses);
        Assert.Equal([502, 502, 200, 200], sink.RequestsTo("/hooks/flaky").Select(r => r.ResponseStatus));
        // The counter a load generator reads: 2xx answers per path (case-insensitive), none elsewhere, none after a reset.
        Assert.Equal(2, sink.SucceededTo("/HOOKS/flaky"));
        Assert.Equal(0, sink.SucceededTo("/hooks/other"));
        sink.Reset();
        Assert.Equal(0, sink.SucceededTo("/hooks/flaky"));
    }

    [Fact]
    public async Task Slow_destination_trips_a_client_timeout_and_the_sink_sees_the_disconnect()
    {
        using var budget = TestBudget.Start();
        await using var sink = await WebhookSinkServer.StartAsync(cancellationToken: budget.Token);
        sink.SetBehavior(SinkBehavior.Slow(TimeSpan.FromSeconds(30)));
        using var http = new HttpClient();
        using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(budget.Token);
        var post = http.PostAsync(sink.UrlFor("/hooks/slow"), Event(), attemptTimeout.Token);
        // The client's timeout trips once the sink holds the request (a fixed 200 ms timer could fire before the request
        // even reached a loaded machine's sink, which then saw nothing to cancel).
        await sink.WaitUntilAsync(s => s.InFlight == 1, ObservationDeadline, budget.Token);
        await attemptTimeout.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => post);

        await sink.WaitUntilAsync(s => s.CancelledRequests == 1 && s.InFlight == 0, ObservationDeadline, budget.Token);
    }

    [Fact]
    public async Task Slow_destination_answers_after_its_delay_when_the_client_waits()
    {
        using var budget = TestBudget.Start();
        await using var sink = await WebhookSinkServer.StartAsync(cancellationToken: budget.Token);
        sink.SetBehavior(SinkBehavior.Slow(TimeSpan.FromMilliseconds(200), status: 202));
        using var http = new HttpClient();

        using var response = await http.PostAsync(sink.UrlFor("/hooks/slow"), Event(), budget.Token);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(0, sink.CancelledRequests);
    }

    [Fact]
    public async Task Hanging_destination_holds_requests_until_their_clients_give_up()
    {
        using var budget = TestBudget.Start();
        await using var sink = await WebhookSinkServer.StartAsync(cancellationToken: budget.Token);
        sink.SetBehavior("/hooks/hang", SinkBehavior.Hanging());
        using var http = new HttpClient();
        using var callers = CancellationTokenSource.CreateLinkedTokenSource(budget.Token);

        var calls = Enumerable.Range(0, 2).Select(i => http.PostAsync(sink.UrlFor("/hooks/hang"), Event($"evt-{i}"), callers.Token))
            .ToList();
        await sink.WaitUntilAsync(s => s.InFlight == 2, ObservationDeadline, budget.Token);
        await callers.CancelAsync();

        foreach (var call in calls)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        }

        await sink.WaitUntilAsync(s => s.CancelledRequests == 2 && s.InFlight == 0, ObservationDeadline, budget.Token);
        Assert.All(sink.Requests, r => Assert.Null(r.ResponseStatus));
        Assert.Equal(2, sink.MaxConcurrentObserved);
    }

    [Fact]
    public async Task Waiting_for_more_requests_than_arrive_times_out()
    {
        using var budget = TestBudget.Start();
        await using var sink = await WebhookSinkServer.StartAsync(cancellationToken: budget.Token);
        using var http = new HttpClient();
        using var response = await http.PostAsync(sink.UrlFor("/hooks/a"), Event(), budget.Token);

        await Assert.ThrowsAsync<TimeoutException>(
            () => sink.WaitForRequestsAsync("/hooks/a", 2, TimeSpan.FromMilliseconds(200), budget.Token));
    }

    [Fact]
    public async Task Waiting_for_requests_returns_as_soon_as_they_arrive_from_concurrent_senders()
    {
        using var budget = TestBudget.Start();
        await using var sink = await WebhookSinkServer.StartAsync(cancellationToken: budget.Token);
        using var http = new HttpClient();

        var waiting = sink.WaitForRequestsAsync("/hooks/a", 5, ObservationDeadline, budget.Token);
        await Task.WhenAll(Enumerable.Range(0, 5).Select(async i =>
        {
            using var response = await http.PostAsync(sink.UrlFor("/hooks/a"), Event($"evt-{i}"), budget.Token);
        }));

        var received = await waiting;
        Assert.Equal(5, received.Select(r => r.Body).Distinct().Count());
    }

    [Fact]
    public async Task Reset_forgets_requests_and_behaviours()
    {
        using var budget = TestBudget.Start();
        await using var sink = await WebhookSinkServer.StartAsync(cancellationToken: budget.Token);
        sink.SetBehavior(SinkBehavior.Fail(500));
        using var http = new HttpClient();
        using var failed = await http.PostAsync(sink.UrlFor("/hooks/a"), Event(), budget.Token);

        sink.Reset();
        using var succeeded = await http.PostAsync(sink.UrlFor("/hooks/a"), Event(), budget.Token);

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, succeeded.StatusCode);
        Assert.Single(sink.Requests);
    }
}
