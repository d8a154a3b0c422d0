using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using DistributorService.Intake;
using ServiceDefaults.Auth;
using Testing;

namespace DistributorService.Tests;

/// <summary>
/// The publisher model: only publishers post, each only its configured types; events and deliveries are readable by admins
/// and by the publisher that sent them; idempotency keys belong to their publisher and remember the payload.
/// </summary>
[Collection("dependencies")]
public sealed class PublisherTests(DependenciesFixture deps) : IAsyncLifetime
{
    private const string Evaluation = "evaluationservice";
    private const string Chat = "chatservice";
    private DistributorApp _app = null!;

    public async Task InitializeAsync()
    {
        // The shipped defaults (appsettings.json) give evaluationservice evaluation.* and chatservice chat.* and document.*.
        _app = await DistributorApp.StartAsync(deps, s => s["Distributor:Publishers:integration:EventTypes:0"] = "order.created");
        await _app.Client.CreateDestinationAsync(DistributorClient.Destination(new Uri("http://127.0.0.1:9/never")));
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private HttpClient ClientWith(string token)
    {
        var client = _app.Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private HttpClient As(string subject, params string[] roles) => ClientWith(TestSettings.Token(subject, roles));

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string type, object payload, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/events") { Content = JsonContent.Create(new { type, payload }) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await client.SendAsync(request);
    }

    private static async Task<string?> CodeOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString();

    private static async Task<Guid> EventIdOf(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventId").GetGuid();
    }

    [Fact]
    public async Task A_user_and_an_admin_without_the_publisher_right_cannot_post()
    {
        using var user = As("mallory");
        using var admin = As("ops", AuthRoles.Admin);

        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(user, "evaluation.completed", new { runId = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(admin, "destination.disabled", new { })).StatusCode);
    }

    [Theory]
    [InlineData(Evaluation, "evaluation.completed", HttpStatusCode.Accepted)]
    [InlineData(Evaluation, "chat.message", HttpStatusCode.Forbidden)]
    [InlineData(Evaluation, "destination.disabled", HttpStatusCode.Forbidden)]
    [InlineData(Evaluation, "evaluation", HttpStatusCode.Forbidden)]
    [InlineData(Chat, "chat.message", HttpStatusCode.Accepted)]
    [InlineData(Chat, "document.indexed", HttpStatusCode.Accepted)]
    [InlineData(Chat, "evaluation.completed", HttpStatusCode.Forbidden)]
    [InlineData("integration", "order.created", HttpStatusCode.Accepted)]
    [InlineData("integration", "order.deleted", HttpStatusCode.Forbidden)]
    [InlineData("unconfigured", "order.created", HttpStatusCode.Forbidden)]
    public async Task Each_publisher_posts_only_its_configured_types(string publisher, string type, HttpStatusCode expected)
    {
        using var client = As(publisher, AuthRoles.Publisher);

        using var response = await PostAsync(client, type, new { n = 1 });

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.Forbidden)
        {
            Assert.Equal("EVENT_TYPE_NOT_ALLOWED", await CodeOf(response));
        }
    }

    [Fact]
    public async Task The_events_publish_scope_grants_the_right_like_the_role()
    {
        var token = DevTokenIssuer.Mint(TestSettings.SigningKey,
            [new Claim("sub", Evaluation), new Claim("scope", "openid events:publish")],
            "aspire-chat-dev", ServiceAudiences.Distributor, TimeSpan.FromMinutes(5));
        using var client = ClientWith(token);

        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(client, "evaluation.completed", new { n = 1 })).StatusCode);
    }

    [Fact]
    public async Task Events_distributions_and_dead_letters_are_read_by_their_publisher_and_admins_only()
    {
        using var evaluation = As(Evaluation, AuthRoles.Publisher);
        using var chat = As(Chat, AuthRoles.Publisher);
        using var user = As("alice");
        using var admin = As("ops", AuthRoles.Admin);
        var id = await EventIdOf(await PostAsync(evaluation, "evaluation.completed", new { secret = "run-42" }));
        var answer = await (await evaluation.GetAsync($"/api/events/{id}")).Content.ReadFromJsonAsync<JsonElement>();
        var distribution = answer.GetProperty("distributions")[0].GetProperty("id").GetGuid();

        Assert.Equal(Evaluation, answer.GetProperty("publisher").GetString());
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/events/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await chat.GetAsync($"/api/events/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync($"/api/events/{id}")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await evaluation.GetAsync($"/api/distributions/{distribution}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/distributions/{distribution}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await chat.GetAsync($"/api/distributions/{distribution}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync($"/api/distributions/{distribution}")).StatusCode);

        static async Task<List<Guid>> Ids(HttpClient client, string path) =>
            (await client.GetFromJsonAsync<JsonElement>(path)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id")
                .GetGuid()).ToList();
        Assert.Contains(distribution, await Ids(evaluation, "/api/distributions"));
        Assert.Contains(distribution, await Ids(admin, "/api/distributions"));
        Assert.DoesNotContain(distribution, await Ids(chat, "/api/distributions"));
        Assert.Empty(await Ids(chat, "/api/dead-letters"));
        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync("/api/distributions")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync("/api/dead-letters")).StatusCode);
    }

    [Fact]
    public async Task Idempotency_keys_are_scoped_to_the_publisher_and_remember_the_payload()
    {
        using var evaluation = As(Evaluation, AuthRoles.Publisher);
        using var attacker = As("integration", AuthRoles.Publisher);
        using var admin = As("ops", AuthRoles.Admin);
        var key = $"run-{Guid.NewGuid():N}";

        // Someone else posting the key first neither suppresses nor reveals the real publisher's event.
        var squatted = await EventIdOf(await PostAsync(attacker, "order.created", new { fake = true }, key));
        var real = await EventIdOf(await PostAsync(evaluation, "evaluation.completed", new { score = 0.9 }, key));
        var retried = await EventIdOf(await PostAsync(evaluation, "evaluation.completed", new { score = 0.9 }, key));
        using var reused = await PostAsync(evaluation, "evaluation.completed", new { score = 0.1 }, key);
        using var otherType = await PostAsync(evaluation, "evaluation.failed", new { score = 0.9 }, key);

        Assert.NotEqual(squatted, real);
        Assert.Equal(real, retried);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);
        Assert.Equal("IDEMPOTENCY_KEY_REUSED", await CodeOf(reused));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, otherType.StatusCode);
        var stored = await admin.GetFromJsonAsync<JsonElement>($"/api/events/{real}");
        Assert.Equal(0.9, stored.GetProperty("payload").GetProperty("score").GetDouble());
        Assert.Equal(HttpStatusCode.NotFound, (await attacker.GetAsync($"/api/events/{real}")).StatusCode);
    }

    [Fact]
    public async Task Concurrent_posts_of_one_key_store_one_event()
    {
        using var evaluation = As(Evaluation, AuthRoles.Publisher);
        var key = $"race-{Guid.NewGuid():N}";

        var ids = await Task.WhenAll(Enumerable.Range(0, 6)
            .Select(async _ => await EventIdOf(await PostAsync(evaluation, "evaluation.completed", new { n = 7 }, key))));

        Assert.Single(ids.Distinct());
    }
}
