using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DistributorService.Destinations;
using Testing;

namespace DistributorService.Tests;

[Collection("dependencies")]
public sealed class ApiTests(DependenciesFixture deps) : IAsyncLifetime
{
    private DistributorApp _app = null!;

    public async Task InitializeAsync() => _app = await DistributorApp.StartAsync(deps);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("http://10.1.2.3/hook")]
    [InlineData("http://192.168.0.10/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://127.0.0.2/hook")]
    [InlineData("ftp://example.com/hook")]
    public async Task Ssrf_guard_refuses_private_link_local_metadata_and_non_http_urls(string url)
    {
        using var response = await _app.Client.Http.PostAsJsonAsync("/api/destinations",
            DistributorClient.Destination(new Uri(url)), JsonSerializerOptions.Web);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("VALIDATION_FAILED", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Ssrf_guard_refuses_at_connect_time_an_address_no_longer_allowed()
    {
        await using var sink = await WebhookSink.WebhookSinkServer.StartAsync();
        await using var strict = await DistributorApp.StartAsync(deps, s => s["Distributor:Ssrf:AllowedHosts:0"] = "127.0.0.2");
        // 127.0.0.1 passes validation only while it is allowed; the connect-time check uses the live configuration.
        var guard = strict.Services.GetRequiredService<SsrfGuard>();
        Assert.NotNull(guard.Refusal("127.0.0.1", IPAddress.Loopback));
        Assert.Null(guard.Refusal("127.0.0.2", IPAddress.Parse("127.0.0.2")));
        Assert.NotNull(await guard.CheckUrlAsync(sink.UrlFor("/x").ToString(), CancellationToken.None));
    }

    [Fact]
    public async Task Repeated_idempotency_key_returns_the_original_answer_and_stores_one_event()
    {
        await _app.Client.CreateDestinationAsync(DistributorClient.Destination(new Uri("http://127.0.0.1:9/never"), eventTypes: ["idem"]));

        var first = await _app.Client.PostEventAsync("idem", new { n = 1 }, "key-123");
        var again = await _app.Client.PostEventAsync("idem", new { n = 1 }, "key-123");
        var concurrent = await Task.WhenAll(
            Enumerable.Range(0, 5).Select(_ => _app.Client.PostEventAsync("idem", new { n = 1 }, "key-456")));

        Assert.Equal(first.EventId, again.EventId);
        Assert.Equal(first.Distributions.Select(d => d.Id), again.Distributions.Select(d => d.Id));
        Assert.Single(concurrent.Select(c => c.EventId).Distinct());
        Assert.NotEqual(first.EventId, concurrent[0].EventId);
        var stored = await _app.Client.Http.GetFromJsonAsync<DistributorService.Apis.EventView>($"/api/events/{first.EventId}",
            JsonSerializerOptions.Web);
        Assert.Equal("key-123", stored!.IdempotencyKey);
        Assert.Equal(1, stored.Payload.GetProperty("n").GetInt32());
        Assert.Equal(first.Distributions[0].Id, Assert.Single(stored.Distributions).Id);
    }

    [Fact]
    public async Task A_destination_subscribed_to_a_prefix_gets_every_type_under_it_and_only_those()
    {
        var prefix = $"p{Guid.NewGuid():N}";
        var destination = await _app.Client.CreateDestinationAsync(
            DistributorClient.Destination(new Uri("http://127.0.0.1:9/never"), eventTypes: [$"{prefix}.doc.*"]));

        var ready = await _app.Client.PostEventAsync($"{prefix}.doc.ready", new { n = 1 });
        var failed = await _app.Client.PostEventAsync($"{prefix}.doc.failed", new { n = 2 });
        var other = await _app.Client.PostEventAsync($"{prefix}.task.completed", new { n = 3 });

        Assert.Equal(destination.Id, Assert.Single(ready.Distributions).DestinationId);
        Assert.Equal(destination.Id, Assert.Single(failed.Distributions).DestinationId);
        Assert.DoesNotContain(other.Distributions, d => d.DestinationId == destination.Id);
        using var invalid = await _app.Client.Http.PostAsJsonAsync("/api/destinations",
            DistributorClient.Destination(new Uri("http://127.0.0.1:9/never"), eventTypes: ["doc*ready"]));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }

    [Fact]
    public async Task Idempotency_key_in_the_body_works_like_the_header()
    {
        using var one = await _app.Client.Http.PostAsJsonAsync("/api/events",
            new { type = "t", payload = new { }, idempotencyKey = "body-key" });
        using var two = await _app.Client.Http.PostAsJsonAsync("/api/events",
            new { type = "t", payload = new { }, idempotencyKey = "body-key" });
        var a = await one.Content.ReadFromJsonAsync<DistributorService.Intake.EventAccepted>(JsonSerializerOptions.Web);
        var b = await two.Content.ReadFromJsonAsync<DistributorService.Intake.EventAccepted>(JsonSerializerOptions.Web);

        Assert.Equal(HttpStatusCode.Accepted, two.StatusCode);
        Assert.Equal(a!.EventId, b!.EventId);
    }

    [Fact]
    public async Task Secrets_are_never_returned_and_are_encrypted_at_rest()
    {
        var created = await _app.Client.CreateDestinationAsync(DistributorClient.Destination(new Uri("http://127.0.0.1:9/secret"),
            signingSecret: "whsec_" + Convert.ToBase64String(new byte[24]),
            auth: new DestinationAuthRequest("bearer", "super-secret-token-value", null, null, null, null)));

        var raw = await _app.Client.Http.GetStringAsync($"/api/destinations/{created.Id}");
        var list = await _app.Client.Http.GetStringAsync("/api/destinations");

        Assert.DoesNotContain("super-secret-token-value", raw);
        Assert.DoesNotContain("whsec_", raw);
        Assert.DoesNotContain("super-secret-token-value", list);
        Assert.True(created.Auth.HasToken);
        Assert.True(created.HasSigningSecret);
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DistributorService.Data.DistributorDbContext>();
        var stored = await db.Destinations.AsNoTracking().SingleAsync(d => d.Id == created.Id);
        Assert.DoesNotContain("super-secret-token-value", stored.AuthTokenProtected);
        Assert.StartsWith("v1.", stored.AuthTokenProtected);
    }

    [Fact]
    public async Task Update_keeps_secrets_that_are_not_given_and_pause_parks_deliveries_until_resume()
    {
        await using var sink = await WebhookSink.WebhookSinkServer.StartAsync();
        var created = await _app.Client.CreateDestinationAsync(DistributorClient.Destination(sink.UrlFor("/hooks/p"),
            auth: new DestinationAuthRequest("bearer", "token-1", null, null, null, null)));
        using (var update = await _app.Client.Http.PutAsJsonAsync($"/api/destinations/{created.Id}",
                   DistributorClient.Destination(sink.UrlFor("/hooks/p"), name: "renamed",
                       auth: new DestinationAuthRequest("bearer", null, null, null, null, null)), JsonSerializerOptions.Web))
        {
            update.EnsureSuccessStatusCode();
        }

        (await _app.Client.Http.PostAsync($"/api/destinations/{created.Id}/pause", null)).EnsureSuccessStatusCode();
        var id = (await _app.Client.PostEventAsync("chat.message", new { })).Distributions[0].Id;
        var parked = await _app.Client.GetDistributionAsync(id);
        Assert.Equal(DistributorService.Data.DistributionStatus.Pending, parked.Status);
        Assert.Empty(sink.Requests);

        (await _app.Client.Http.PostAsync($"/api/destinations/{created.Id}/resume", null)).EnsureSuccessStatusCode();
        await _app.Client.WaitForStatusAsync(id, DistributorService.Data.DistributionStatus.Succeeded, TimeSpan.FromSeconds(30));
        Assert.Equal("Bearer token-1", Assert.Single(sink.Requests).Header("Authorization"));
    }

    [Fact]
    public async Task Deleting_a_destination_deletes_its_distributions_and_attempts_and_leaves_the_others()
    {
        await using var sink = await WebhookSink.WebhookSinkServer.StartAsync();
        var doomed = await _app.Client.CreateDestinationAsync(DistributorClient.Destination(sink.UrlFor("/hooks/doomed"), name: "doomed",
            eventTypes: ["deleted.test"]));
        var kept = await _app.Client.CreateDestinationAsync(DistributorClient.Destination(sink.UrlFor("/hooks/kept"), name: "kept",
            eventTypes: ["deleted.test"]));
        var accepted = await _app.Client.PostEventAsync("deleted.test", new { n = 1 });
        foreach (var distribution in accepted.Distributions)
        {
            await _app.Client.WaitForStatusAsync(distribution.Id, DistributorService.Data.DistributionStatus.Succeeded,
                TimeSpan.FromSeconds(30));
        }

        using (var delete = await _app.Client.Http.DeleteAsync($"/api/destinations/{doomed.Id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        using (var again = await _app.Client.Http.DeleteAsync($"/api/destinations/{doomed.Id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }

        using (var gone = await _app.Client.Http.GetAsync($"/api/destinations/{doomed.Id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DistributorService.Data.DistributorDbContext>();
        var doomedDistribution = accepted.Distributions.Single(d => d.DestinationId == doomed.Id).Id;
        Assert.False(await db.Distributions.AnyAsync(d => d.DestinationId == doomed.Id));
        Assert.False(await db.Set<DistributorService.Data.DeliveryAttempt>().AnyAsync(a => a.DistributionId == doomedDistribution));
        var survivor = await _app.Client.GetDistributionAsync(accepted.Distributions.Single(d => d.DestinationId == kept.Id).Id);
        Assert.Equal(DistributorService.Data.DistributionStatus.Succeeded, survivor.Status);
        Assert.Single(survivor.Attempts!);
    }

    [Fact]
    public async Task Distributions_list_filters_by_destination_and_status_and_pages_with_a_cursor()
    {
        var a = await _app.Client.CreateDestinationAsync(DistributorClient.Destination(new Uri("http://127.0.0.1:9/a"),
            eventTypes: ["list"]));
        await _app.Client.CreateDestinationAsync(DistributorClient.Destination(new Uri("http://127.0.0.1:9/b"), eventTypes: ["list"]));
        (await _app.Client.Http.PostAsync($"/api/destinations/{a.Id}/pause", null)).EnsureSuccessStatusCode();
        for (var i = 0; i < 5; i++)
        {
            await _app.Client.PostEventAsync("list", new { i });
        }

        var seen = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await _app.Client.Http.GetFromJsonAsync<Page<DistributorService.Apis.DistributionView>>(
                $"/api/distributions?destinationId={a.Id}&status=pending&limit=2" + (cursor is null ? "" : $"&cursor={cursor}"),
                JsonSerializerOptions.Web);
            Assert.InRange(page!.Items.Count, 0, 2);
            Assert.All(page.Items, d => Assert.Equal(a.Id, d.DestinationId));
            seen.AddRange(page.Items.Select(d => d.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(5, seen.Distinct().Count());
    }

    [Fact]
    public async Task Health_detailed_lists_every_destination()
    {
        var created = await _app.Client.CreateDestinationAsync(DistributorClient.Destination(new Uri("http://127.0.0.1:9/h"),
            name: "listed"));

        var body = await Eventually.UntilAsync(async ct => await _app.Client.Http.GetStringAsync("/health/detailed", ct),
            b => b.Contains(created.Id.ToString(), StringComparison.Ordinal), TimeSpan.FromSeconds(10),
            "the destinations check should list the new destination");
        Assert.Contains("\"destinations\"", body);
    }
}
