using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ServiceDefaults.Auth;
using Testing;

namespace DistributorService.Tests;

/// <summary>
/// Every route × {no token, user, other user, admin, service} → the expected status, as one table. "user" is a plain user
/// (alice); "other" is another publisher's service identity (chatservice, publisher of chat.* and document.*); "admin" has
/// the admin role only; "service" is EvaluationService's identity (evaluationservice, publisher), which posted the event the
/// rows read. Each cell gets fresh resources, so destructive rows do not depend on the order of the cells.
/// </summary>
[Collection("dependencies")]
public sealed class AuthorizationMatrixTests(DependenciesFixture deps) : IAsyncLifetime
{
    private DistributorApp _app = null!;

    public async Task InitializeAsync() => _app = await DistributorApp.StartAsync(deps);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>Method, path ({destination}, {event}, {distribution} filled per cell), body, then None, User, Other, Admin,
    /// Service.</summary>
    public static TheoryData<string, string, string?, int, int, int, int, int> Routes => new()
    {
        { "GET", "/api/destinations", null, 401, 403, 403, 200, 403 },
        { "POST", "/api/destinations", Destination, 401, 403, 403, 201, 403 },
        { "GET", "/api/destinations/{destination}", null, 401, 403, 403, 200, 403 },
        { "PUT", "/api/destinations/{destination}", Destination, 401, 403, 403, 200, 403 },
        { "POST", "/api/destinations/{destination}/pause", null, 401, 403, 403, 200, 403 },
        { "POST", "/api/destinations/{destination}/resume", null, 401, 403, 403, 200, 403 },
        { "DELETE", "/api/destinations/{destination}", null, 401, 403, 403, 204, 403 },
        { "POST", "/api/events", """{"type":"evaluation.completed","payload":{"runId":"r"}}""", 401, 403, 403, 403, 202 },
        { "POST", "/api/events", """{"type":"chat.message","payload":{}}""", 401, 403, 202, 403, 403 },
        { "GET", "/api/events/{event}", null, 401, 403, 404, 200, 200 },
        { "GET", "/api/distributions", null, 401, 403, 200, 200, 200 },
        { "GET", "/api/distributions/{distribution}", null, 401, 403, 404, 200, 200 },
        { "GET", "/api/dead-letters", null, 401, 403, 200, 200, 200 },
        { "POST", "/api/dead-letters/replay", """{"ids":["00000000-0000-0000-0000-000000000001"]}""", 401, 403, 403, 200, 403 },
        { "GET", "/admin/intake", null, 401, 403, 403, 200, 403 },
        { "GET", "/admin/queues", null, 401, 403, 403, 200, 403 },
        { "GET", "/admin/circuit-breakers", null, 401, 403, 403, 200, 403 },
        { "GET", "/health/detailed", null, 401, 403, 403, 200, 403 },
        { "GET", "/alive", null, 200, 200, 200, 200, 200 },
        { "GET", "/openapi/v1.json", null, 200, 200, 200, 200, 200 },
    };

    private const string Destination = """{"name":"matrix","url":"http://127.0.0.1:9/hook","eventTypes":["*"]}""";

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Route_answers_each_principal_as_the_table_says(string method, string path, string? body,
        int none, int user, int other, int admin, int service)
    {
        var failures = await AuthorizationMatrix.CheckRowAsync(method, async () => (await FillAsync(path), body), "application/json",
            AuthorizationMatrix.Row(none, user, other, admin, service), TokenFor, _app.Factory.CreateClient);

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static string? TokenFor(Principal who) => who switch
    {
        Principal.None => null,
        Principal.User => TestSettings.Token("alice"),
        Principal.OtherUser => TestSettings.Token("chatservice", AuthRoles.Publisher),
        Principal.Admin => TestSettings.Token("ops", AuthRoles.Admin),
        _ => TestSettings.Token("evaluationservice", AuthRoles.Publisher),
    };

    /// <summary>Fresh resources for one cell: a destination (made by an admin) and an event posted by the service identity.</summary>
    private async Task<string> FillAsync(string path)
    {
        if (path.Contains("{destination}", StringComparison.Ordinal))
        {
            var destination = await _app.Client.CreateDestinationAsync(DistributorClient.Destination(new Uri("http://127.0.0.1:9/hook"),
                eventTypes: ["matrix.none"]));
            path = path.Replace("{destination}", destination.Id.ToString(), StringComparison.Ordinal);
        }

        if (path.Contains("{event}", StringComparison.Ordinal) || path.Contains("{distribution}", StringComparison.Ordinal))
        {
            await _app.Client.CreateDestinationAsync(DistributorClient.Destination(new Uri("http://127.0.0.1:9/hook"),
                eventTypes: ["evaluation.completed"]));
            using var service = _app.Factory.CreateClient();
            service.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor(Principal.Service));
            using var response = await service.PostAsJsonAsync("/api/events",
                new { type = "evaluation.completed", payload = new { runId = Guid.NewGuid() } });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
            path = path.Replace("{event}", accepted.GetProperty("eventId").GetString(), StringComparison.Ordinal)
                .Replace("{distribution}", accepted.GetProperty("distributions")[0].GetProperty("id").GetString(),
                    StringComparison.Ordinal);
        }

        return path;
    }
}
