using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Xunit;

namespace AppHost.Tests;

/// <summary>
/// The AppHost in local mode wires every service to its database, Redis, Chroma and the model, hands all three the
/// same JWT settings, and collects their telemetry: each service starts, reports ready and alive, enforces its
/// authorization, ChatService answers through the simulator, and the dashboard holds the request's trace.
/// </summary>
[Collection(LocalAppHostCollection.Name)]
public sealed class LocalAppHostTests(AppHostFixture fixture)
{
    private static readonly TimeSpan RequestBudget = TimeSpan.FromSeconds(30);

    [Fact]
    public void Local_mode_declares_no_container_resource()
    {
        var containers = fixture.Resources.OfType<ContainerResource>().Select(r => r.Name).ToList();

        Assert.Empty(containers);
        Assert.Contains(fixture.Resources, r => r is ExecutableResource && r.Name == "postgres");
        Assert.Contains(fixture.Resources, r => r is ExecutableResource && r.Name == "redis-server");
        Assert.Contains(fixture.Resources, r => r is ExecutableResource && r.Name == "chroma");
    }

    [Fact]
    public async Task Every_resource_is_running_and_healthy()
    {
        using var timeout = new CancellationTokenSource(RequestBudget);
        var notifications = fixture.App.ResourceNotifications;
        // Parameters have no process; hidden resources (a project's rebuilder) run only on request and are not shown.
        var shown = fixture.Resources.Where(r => r is not ParameterResource
            && !(notifications.TryGetCurrentState(r.Name, out var state) && state.Snapshot.IsHidden)).ToList();
        Assert.Equal(13, shown.Count);
        foreach (var resource in shown)
        {
            // The fixture waited for the process resources; the connection-string resources follow what they reference.
            var healthy = await notifications.WaitForResourceHealthyAsync(resource.Name, timeout.Token);
            Assert.True(notifications.TryGetCurrentState(resource.Name, out var current), resource.Name);
            Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, healthy.Snapshot.HealthStatus);
            if (resource is ExecutableResource or ProjectResource)
            {
                Assert.Equal(KnownResourceStates.Running, current!.Snapshot.State?.Text);
            }
        }
    }

    [Theory]
    [InlineData("chatservice")]
    [InlineData("evaluationservice")]
    [InlineData("distributorservice")]
    public async Task Service_is_ready_and_alive(string service)
    {
        using var client = fixture.App.CreateHttpClient(service, "http");
        using var timeout = new CancellationTokenSource(RequestBudget);

        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), timeout.Token);
        using var alive = await client.GetAsync(new Uri("/alive", UriKind.Relative), timeout.Token);

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Contains("Healthy", await ready.Content.ReadAsStringAsync(timeout.Token), StringComparison.Ordinal);
    }

    // A user route (200 for a user, 401 without a token) and an admin route (403 for a user, 200 for an admin) of each
    // service. DistributorService's destinations are admin-only: a user token gets 403 there.
    [Theory]
    [InlineData("chatservice", "/api/sessions", "/health/detailed")]
    [InlineData("evaluationservice", "/api/suites", "/health/detailed")]
    [InlineData("distributorservice", "/api/distributions", "/api/destinations")]
    public async Task Service_enforces_the_app_host_tokens(string service, string userRoute, string adminRoute)
    {
        using var client = fixture.App.CreateHttpClient(service, "http");
        using var timeout = new CancellationTokenSource(RequestBudget);
        // DistributorService's lists are read by the publisher that sent the events (and admins): its "user" is a publisher.
        var user = service == "distributorservice" ? fixture.MintToken("evaluationservice", "publisher") : fixture.MintToken(admin: false);
        var admin = fixture.MintToken(admin: true);

        using var anonymous = await SendAsync(client, HttpMethod.Get, userRoute, token: null, timeout.Token);
        using var asUser = await SendAsync(client, HttpMethod.Get, userRoute, user, timeout.Token);
        using var userOnAdmin = await SendAsync(client, HttpMethod.Get, adminRoute, user, timeout.Token);
        using var adminOnAdmin = await SendAsync(client, HttpMethod.Get, adminRoute, admin, timeout.Token);
        using var foreignToken = await SendAsync(client, HttpMethod.Get, userRoute,
            ServiceDefaults.Auth.DevTokenIssuer.Mint(new string('x', 64), "mallory", true, AppHostFixture.Issuer,
                AppHostFixture.AudienceOf(service), TimeSpan.FromMinutes(5)), timeout.Token);
        // Issue 15: one audience per service; an admin token for the other two services is not a token for this one.
        var others = AppHostFixture.Services.Where(s => s != service).Select(AppHostFixture.AudienceOf).ToArray();
        using var otherAudience = await SendAsync(client, HttpMethod.Get, adminRoute, fixture.MintTokenFor(others, "ops", "admin"),
            timeout.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.True(asUser.IsSuccessStatusCode,
            $"GET {userRoute} on {service} answered {(int)asUser.StatusCode}: {await asUser.Content.ReadAsStringAsync(timeout.Token)}");
        Assert.Equal(HttpStatusCode.Forbidden, userOnAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.OK, adminOnAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, foreignToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, otherAudience.StatusCode);
    }

    [Fact]
    public async Task Chat_is_answered_through_the_simulator_and_its_trace_reaches_the_dashboard()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        using var chat = fixture.App.CreateHttpClient("chatservice", "http");
        using var simulator = fixture.App.CreateHttpClient("ollama-simulator", "http");
        var traceId = ActivityTraceId.CreateRandom().ToHexString();

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/chat", UriKind.Relative))
        {
            Content = JsonContent.Create(new { message = "What does the AppHost start in local mode?" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.MintToken(admin: false));
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using var response = await chat.SendAsync(request, timeout.Token);
        var body = await response.Content.ReadAsStringAsync(timeout.Token);

        Assert.True(response.IsSuccessStatusCode, $"POST /api/chat answered {(int)response.StatusCode}: {body}");
        using var answer = JsonDocument.Parse(body);
        Assert.False(answer.RootElement.GetProperty("degraded").GetBoolean(), $"ChatService answered degraded: {body}");
        Assert.False(string.IsNullOrWhiteSpace(answer.RootElement.GetProperty("answer").GetString()), body);

        // The simulator saw the generation request: the answer came from the model resource, not a fallback.
        var requests = await simulator.GetStringAsync(new Uri("/_sim/requests", UriKind.Relative), timeout.Token);
        using var received = JsonDocument.Parse(requests);
        Assert.Contains(received.RootElement.EnumerateArray(), r =>
            r.GetProperty("endpoint").GetString() is "chat" or "generate"
            && r.GetProperty("model").GetString() == "llama3.2:1b");

        // ChatService exported the request's server span to the AppHost's OTLP endpoint: the dashboard has it.
        await Dashboard.WaitForSpanAsync(fixture, "chatservice", traceId, timeout.Token);

        // The model call is a gen_ai span the dashboard's GenAI view recognises (provider, model, token usage).
        await Dashboard.WaitForSpanAsync(fixture, "chatservice", traceId, span =>
                Dashboard.Attribute(span, "gen_ai.operation.name") == "chat"
                && (Dashboard.Attribute(span, "gen_ai.provider.name") ?? Dashboard.Attribute(span, "gen_ai.system")) is not null
                && Dashboard.Attribute(span, "gen_ai.request.model") == "llama3.2:1b"
                && int.TryParse(Dashboard.Attribute(span, "gen_ai.usage.output_tokens"), out var outputTokens) && outputTokens > 0,
            "gen_ai chat span with provider, model and output tokens", timeout.Token);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string? token,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await client.SendAsync(request, cancellationToken);
    }
}
