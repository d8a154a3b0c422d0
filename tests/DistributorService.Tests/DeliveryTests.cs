using System.Text.Json;
using DistributorService.Data;
using DistributorService.Delivery;
using DistributorService.Destinations;
using Testing;
using WebhookSink;

namespace DistributorService.Tests;

[Collection("dependencies")]
public sealed class DeliveryTests(DependenciesFixture deps) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private WebhookSinkServer _sink = null!;
    private DistributorApp _app = null!;

    public async Task InitializeAsync()
    {
        _sink = await WebhookSinkServer.StartAsync();
        _app = await DistributorApp.StartAsync(deps);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _sink.DisposeAsync();
    }

    [Fact]
    public async Task Event_is_delivered_once_with_json_idempotency_key_and_a_signature_an_independent_verifier_accepts()
    {
        var secret = "whsec_" + Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        var destination = await _app.Client.CreateDestinationAsync(
            DistributorClient.Destination(_sink.UrlFor("/hooks/signed"), eventTypes: ["report.ready"], signingSecret: secret));

        var accepted = await _app.Client.PostEventAsync("report.ready", new { reportId = 42, title = "Ünïcode ✓" });

        var distribution = Assert.Single(accepted.Distributions);
        Assert.Equal(destination.Id, distribution.DestinationId);
        var done = await _app.Client.WaitForStatusAsync(distribution.Id, DistributionStatus.Succeeded, Deadline);
        var request = Assert.Single(_sink.RequestsTo("/hooks/signed"));
        Assert.Equal("POST", request.Method);
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        Assert.Equal(distribution.Id.ToString(), request.Header("Idempotency-Key"));
        Assert.Equal(distribution.Id.ToString(), request.Header("webhook-id"));
        Assert.True(StandardWebhooksVerifier.Verify(secret, request.Header("webhook-id"), request.Header("webhook-timestamp"),
            request.Header("webhook-signature"), request.Body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)),
            $"signature {request.Header("webhook-signature")} should verify");
        Assert.False(StandardWebhooksVerifier.Verify(secret, request.Header("webhook-id"), request.Header("webhook-timestamp"),
            request.Header("webhook-signature"), request.Body + " ", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));

        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("report.ready", body.RootElement.GetProperty("type").GetString());
        Assert.Equal(accepted.EventId, body.RootElement.GetProperty("id").GetGuid());
        Assert.Equal(42, body.RootElement.GetProperty("data").GetProperty("reportId").GetInt32());
        var attempt = Assert.Single(done.Attempts!);
        Assert.Equal(1, attempt.Number);
        Assert.Equal(200, attempt.StatusCode);
        Assert.Null(attempt.ErrorCode);
    }

    [Fact]
    public async Task Destination_failing_three_times_then_succeeding_ends_succeeded_with_four_attempts_and_one_delivery()
    {
        _sink.SetBehavior("/hooks/flaky", SinkBehavior.SucceedAfter(3, 503));
        await _app.Client.CreateDestinationAsync(DistributorClient.Destination(_sink.UrlFor("/hooks/flaky"), maxAttempts: 6));

        var accepted = await _app.Client.PostEventAsync("chat.message", new { text = "hello" });

        var done = await _app.Client.WaitForStatusAsync(accepted.Distributions[0].Id, DistributionStatus.Succeeded, Deadline);
        Assert.Equal(4, done.AttemptCount);
        Assert.Equal([1, 2, 3, 4], done.Attempts!.Select(a => a.Number));
        Assert.All(done.Attempts!.Take(3), a => Assert.Equal(DeliveryErrorCodes.Destination5xx, a.ErrorCode));
        Assert.Equal(1, _sink.RequestsTo("/hooks/flaky").Count(r => r.ResponseStatus == 200));
        Assert.Equal(4, _sink.RequestsTo("/hooks/flaky").Count);
        Assert.All(_sink.RequestsTo("/hooks/flaky"), r => Assert.Equal(done.Id.ToString(), r.Header("Idempotency-Key")));
    }

    [Fact]
    public async Task Permanent_4xx_fails_the_distribution_without_retry()
    {
        _sink.SetBehavior("/hooks/gone", SinkBehavior.Fail(422));
        await _app.Client.CreateDestinationAsync(DistributorClient.Destination(_sink.UrlFor("/hooks/gone"), maxAttempts: 5));

        var accepted = await _app.Client.PostEventAsync("chat.message", new { text = "bad" });

        var done = await _app.Client.WaitForStatusAsync(accepted.Distributions[0].Id, DistributionStatus.Failed, Deadline);
        var attempt = Assert.Single(done.Attempts!);
        Assert.Equal(422, attempt.StatusCode);
        Assert.Equal(DeliveryErrorCodes.Destination4xx, attempt.ErrorCode);
        Assert.Single(_sink.RequestsTo("/hooks/gone"));
    }

    [Fact]
    public async Task Each_attempt_to_a_hanging_destination_ends_at_its_timeout_and_the_distribution_is_dead_lettered()
    {
        _sink.SetBehavior("/hooks/hang", SinkBehavior.Hanging());
        await _app.Client.CreateDestinationAsync(DistributorClient.Destination(_sink.UrlFor("/hooks/hang"), timeoutSeconds: 1,
            maxAttempts: 2));

        var accepted = await _app.Client.PostEventAsync("chat.message", new { text = "anyone?" });

        var done = await _app.Client.WaitForStatusAsync(accepted.Distributions[0].Id, DistributionStatus.DeadLettered, Deadline);
        Assert.Equal(2, done.Attempts!.Count);
        Assert.All(done.Attempts!, a =>
        {
            Assert.Equal(DeliveryErrorCodes.ConnectionTimeout, a.ErrorCode);
            Assert.InRange(a.DurationMs, 900, 5000);
        });
        await _sink.WaitUntilAsync(s => s.CancelledRequests >= 2, Deadline);
    }

    [Fact]
    public async Task Breaker_opens_for_a_failing_destination_while_another_keeps_delivering()
    {
        _sink.SetBehavior("/hooks/down", SinkBehavior.Fail(500));
        var down = await _app.Client.CreateDestinationAsync(DistributorClient.Destination(_sink.UrlFor("/hooks/down"), name: "down",
            eventTypes: ["burst"], maxAttempts: 3));
        var healthy = await _app.Client.CreateDestinationAsync(DistributorClient.Destination(_sink.UrlFor("/hooks/up"), name: "up",
            eventTypes: ["burst"], maxAttempts: 3));

        var accepted = new List<DistributorService.Intake.EventAccepted>();
        for (var i = 0; i < 6; i++)
        {
            accepted.Add(await _app.Client.PostEventAsync("burst", new { i }));
        }

        foreach (var distribution in accepted.SelectMany(a => a.Distributions).Where(d => d.DestinationId == healthy.Id))
        {
            await _app.Client.WaitForStatusAsync(distribution.Id, DistributionStatus.Succeeded, Deadline);
        }

        // Attempts that meet the open breaker end CIRCUIT_OPEN and wait for it to half-open (BreakDuration, 1 min here) before
        // their next attempt: the destination's schedule is honoured without holding a worker (they are deferred).
        var downIds = accepted.SelectMany(a => a.Distributions).Where(d => d.DestinationId == down.Id).Select(d => d.Id).ToList();
        var attempts = await Eventually.UntilAsync(async _ =>
        {
            var all = new List<DistributorService.Apis.AttemptView>();
            foreach (var id in downIds)
            {
                all.AddRange((await _app.Client.GetDistributionAsync(id)).Attempts!);
            }

            return all;
        }, all => all.Count >= downIds.Count && all.Any(a => a.ErrorCode == DeliveryErrorCodes.CircuitOpen), Deadline,
            "the down destination's attempts should meet the open breaker");

        Assert.Contains(attempts, a => a.ErrorCode == DeliveryErrorCodes.CircuitOpen);
        Assert.True(_sink.RequestsTo("/hooks/down").Count < attempts.Count, "an open breaker must spare the destination some requests");
        var downView = await _app.Client.Http.GetFromJsonAsync<DestinationView>($"/api/destinations/{down.Id}", JsonSerializerOptions.Web);
        var upView = await _app.Client.Http.GetFromJsonAsync<DestinationView>($"/api/destinations/{healthy.Id}", JsonSerializerOptions.Web);
        Assert.Equal("Open", downView!.CircuitState);
        Assert.Equal("Closed", upView!.CircuitState);

        // The healthy destination keeps delivering while the other's breaker is open.
        var later = await _app.Client.PostEventAsync("burst", new { after = true });
        await _app.Client.WaitForStatusAsync(later.Distributions.Single(d => d.DestinationId == healthy.Id).Id,
            DistributionStatus.Succeeded, Deadline);
        Assert.Equal(7, _sink.RequestsTo("/hooks/up").Count);
    }

    [Fact]
    public async Task Dead_lettered_distribution_is_listed_and_delivered_after_replay()
    {
        _sink.SetBehavior("/hooks/later", SinkBehavior.Fail(503));
        var destination = await _app.Client.CreateDestinationAsync(DistributorClient.Destination(_sink.UrlFor("/hooks/later"),
            maxAttempts: 2));
        var accepted = await _app.Client.PostEventAsync("chat.message", new { text = "retry me" });
        var id = accepted.Distributions[0].Id;
        await _app.Client.WaitForStatusAsync(id, DistributionStatus.DeadLettered, Deadline);

        var letters = await _app.Client.Http.GetFromJsonAsync<Page<DistributorService.Apis.DistributionView>>(
            $"/api/dead-letters?destinationId={destination.Id}", JsonSerializerOptions.Web);
        Assert.Equal(id, Assert.Single(letters!.Items).Id);

        _sink.SetBehavior("/hooks/later", SinkBehavior.Succeed());
        using var replay = await _app.Client.Http.PostAsJsonAsync("/api/dead-letters/replay",
            new DistributorService.Apis.ReplayRequest(null, destination.Id, null), JsonSerializerOptions.Web);
        replay.EnsureSuccessStatusCode();
        var result = await replay.Content.ReadFromJsonAsync<DistributorService.Apis.ReplayResult>(JsonSerializerOptions.Web);
        Assert.Equal(1, result!.Replayed);

        var done = await _app.Client.WaitForStatusAsync(id, DistributionStatus.Succeeded, Deadline);
        Assert.Equal([1, 2, 3], done.Attempts!.Select(a => a.Number));
        Assert.Equal(1, _sink.RequestsTo("/hooks/later").Count(r => r.ResponseStatus == 200));
    }

    [Fact]
    public async Task OAuth2_token_is_fetched_once_for_many_deliveries_and_refreshed_once_on_401()
    {
        _sink.SetBehavior("/hooks/oauth", SinkBehavior.Protected());
        await _app.Client.CreateDestinationAsync(DistributorClient.Destination(_sink.UrlFor("/hooks/oauth"), maxAttempts: 2,
            auth: new DestinationAuthRequest("oauth2_client_credentials", null, _sink.TokenEndpoint.ToString(),
                _sink.Options.OAuthClientId, _sink.Options.OAuthClientSecret, "events:write")));

        var first = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            first.Add((await _app.Client.PostEventAsync("chat.message", new { i })).Distributions[0].Id);
        }

        foreach (var id in first)
        {
            await _app.Client.WaitForStatusAsync(id, DistributionStatus.Succeeded, Deadline);
        }

        Assert.Single(_sink.TokenRequests);
        _sink.RevokeIssuedTokens();

        var afterRevoke = (await _app.Client.PostEventAsync("chat.message", new { revoked = true })).Distributions[0].Id;
        var done = await _app.Client.WaitForStatusAsync(afterRevoke, DistributionStatus.Succeeded, Deadline);

        Assert.Equal(2, _sink.TokenRequests.Count);
        var attempt = Assert.Single(done.Attempts!);
        Assert.Equal(200, attempt.StatusCode);
        var last = _sink.RequestsTo("/hooks/oauth").Where(r => r.Header("Idempotency-Key") == afterRevoke.ToString()).ToList();
        Assert.Equal([401, 200], last.Select(r => r.ResponseStatus ?? 0));
        Assert.Equal($"Bearer {_sink.IssuedTokens[1]}", last[1].Header("Authorization"));
    }

    [Fact]
    public async Task Batching_destination_receives_a_json_array_of_events()
    {
        await _app.Client.CreateDestinationAsync(DistributorClient.Destination(_sink.UrlFor("/hooks/batch"),
            batch: new BatchSettings(3, 2000)));

        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await _app.Client.PostEventAsync("chat.message", new { i })).Distributions[0].Id);
        }

        foreach (var id in ids)
        {
            await _app.Client.WaitForStatusAsync(id, DistributionStatus.Succeeded, Deadline);
        }

        var requests = _sink.RequestsTo("/hooks/batch");
        var events = requests.SelectMany(r =>
        {
            using var body = JsonDocument.Parse(r.Body);
            Assert.Equal(JsonValueKind.Array, body.RootElement.ValueKind);
            return body.RootElement.EnumerateArray().Select(e => e.GetProperty("data").GetProperty("i").GetInt32()).ToList();
        }).Order().ToList();
        Assert.Equal([0, 1, 2], events);
        Assert.True(requests.Count < 3, $"three events should share fewer than three requests, got {requests.Count}");
    }

    [Fact]
    public async Task Deliveries_to_one_destination_never_exceed_its_max_concurrency()
    {
        _sink.SetBehavior("/hooks/narrow", SinkBehavior.Slow(TimeSpan.FromMilliseconds(200)));
        await _app.Client.CreateDestinationAsync(DistributorClient.Destination(_sink.UrlFor("/hooks/narrow"), maxConcurrency: 2));

        var ids = new List<Guid>();
        for (var i = 0; i < 8; i++)
        {
            ids.Add((await _app.Client.PostEventAsync("chat.message", new { i })).Distributions[0].Id);
        }

        foreach (var id in ids)
        {
            await _app.Client.WaitForStatusAsync(id, DistributionStatus.Succeeded, Deadline);
        }

        Assert.Equal(8, _sink.RequestsTo("/hooks/narrow").Count);
        Assert.InRange(_sink.MaxConcurrentObserved, 1, 2);
    }

    [Fact]
    public async Task Retry_after_from_a_429_delays_the_next_attempt_beyond_the_destination_backoff()
    {
        _sink.SetBehavior("/hooks/throttled", SinkBehavior.SucceedAfter(1, 429, retryAfterSeconds: 1));
        await _app.Client.CreateDestinationAsync(DistributorClient.Destination(_sink.UrlFor("/hooks/throttled"), maxAttempts: 3));

        var id = (await _app.Client.PostEventAsync("chat.message", new { })).Distributions[0].Id;

        var done = await _app.Client.WaitForStatusAsync(id, DistributionStatus.Succeeded, Deadline);
        Assert.Equal([429, 200], done.Attempts!.Select(a => a.StatusCode ?? 0));
        Assert.Equal(DeliveryErrorCodes.Destination4xx, done.Attempts![0].ErrorCode);
        var gap = done.Attempts![1].StartedAt - done.Attempts[0].StartedAt;
        Assert.True(gap >= TimeSpan.FromMilliseconds(950),
            $"the second attempt started {gap.TotalMilliseconds} ms after the first; Retry-After asked for 1 s");
    }
}
