using EvaluationService.Apis;
using EvaluationService.Tests.Fakes;
using ServiceDefaults.Auth;
using Testing;

namespace EvaluationService.Tests;

/// <summary>
/// Every route × {no token, user, other user, admin, service} → the expected status, as one table. "user" (alice) owns the
/// suite and run a row reads; "other" is bob; "admin" has the admin role; "service" is a service identity (chatservice with
/// the publisher role), which has no more rights here than any other user. Each cell gets fresh resources.
/// <see cref="AuthorizationMatrix.Allowed"/> (0) marks cells whose success status depends on timing (a run may end first).
/// </summary>
[Collection("dependencies")]
public sealed class AuthorizationMatrixTests(DependenciesFixture dependencies) : IAsyncLifetime
{
    private const int Ok = AuthorizationMatrix.Allowed;
    private const string Suite = """{"name":"matrix","cases":[{"question":"q"}]}""";
    private FakeChatService _chat = null!;
    private EvaluationApp _app = null!;

    public async Task InitializeAsync()
    {
        _chat = await FakeChatService.StartAsync();
        _app = EvaluationApp.Start(await EvaluationApp.CreateEnvironmentAsync(dependencies), _chat.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _chat.DisposeAsync();
    }

    /// <summary>Method, path ({suite}, {run} are alice's, fresh per cell), body, content type, then None, User, Other, Admin,
    /// Service.</summary>
    public static TheoryData<string, string, string?, string, int, int, int, int, int> Routes => new()
    {
        { "POST", "/api/suites", Suite, "application/json", 401, 201, 201, 201, 201 },
        { "POST", "/api/suites/import", "{\"question\":\"q\"}\n", "application/x-ndjson", 401, 201, 201, 201, 201 },
        { "GET", "/api/suites", null, "", 401, 200, 200, 200, 200 },
        { "GET", "/api/suites/{suite}", null, "", 401, 200, 404, 200, 404 },
        { "DELETE", "/api/suites/{suite}", null, "", 401, 204, 404, 204, 404 },
        { "POST", "/api/evaluations", """{"suiteId":"{suite}"}""", "application/json", 401, 202, 404, 202, 404 },
        { "GET", "/api/evaluations", null, "", 401, 200, 200, 200, 200 },
        { "GET", "/api/evaluations/{run}", null, "", 401, 200, 404, 200, 404 },
        { "POST", "/api/evaluations/{run}/cancel", null, "", 401, Ok, 404, Ok, 404 },
        { "GET", "/api/evaluations/{run}/events", null, "", 401, 200, 404, 200, 404 },
        { "GET", "/api/evaluations/{run}/report", null, "", 401, Ok, 404, Ok, 404 },
        { "GET", "/api/evaluations/{run}/report.html", null, "", 401, Ok, 404, Ok, 404 },
        { "GET", "/admin/circuit-breakers", null, "", 401, 403, 403, 200, 403 },
        { "GET", "/health/detailed", null, "", 401, 403, 403, 200, 403 },
        { "GET", "/health/ready", null, "", 200, 200, 200, 200, 200 },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Route_answers_each_principal_as_the_table_says(string method, string path, string? body, string contentType,
        int none, int user, int other, int admin, int service)
    {
        var failures = await AuthorizationMatrix.CheckRowAsync(method, () => FillAsync(path, body), contentType,
            AuthorizationMatrix.Row(none, user, other, admin, service), TokenFor, () =>
            {
                var client = _app.CreateClient();
                client.Timeout = TimeSpan.FromSeconds(60);
                return client;
            });

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static string? TokenFor(Principal who) => who switch
    {
        Principal.None => null,
        Principal.User => Token("alice"),
        Principal.OtherUser => Token("bob"),
        Principal.Admin => Token("ops", AuthRoles.Admin),
        _ => Token("chatservice", AuthRoles.Publisher),
    };

    private static string Token(string subject, params string[] roles) =>
        DevTokenIssuer.Mint(EvaluationApp.SigningKey, subject, roles, "aspire-chat-dev", ServiceAudiences.Evaluation,
            TimeSpan.FromHours(1));

    /// <summary>Fresh resources for one cell, owned by alice: a suite, and a run of it.</summary>
    private async Task<(string Url, string? Body)> FillAsync(string path, string? body)
    {
        if (!(path + body).Contains("{suite}", StringComparison.Ordinal) && !path.Contains("{run}", StringComparison.Ordinal))
        {
            return (path, body);
        }

        var alice = _app.ClientFor("alice");
        var suite = await alice.CreateSuiteAsync("matrix", new CaseInput("q"));
        path = path.Replace("{suite}", suite.Id.ToString(), StringComparison.Ordinal);
        body = body?.Replace("{suite}", suite.Id.ToString(), StringComparison.Ordinal);
        if (path.Contains("{run}", StringComparison.Ordinal))
        {
            var run = await alice.StartRunAsync(new CreateEvaluationRequest(suite.Id));
            path = path.Replace("{run}", run.Id.ToString(), StringComparison.Ordinal);
        }

        return (path, body);
    }
}
