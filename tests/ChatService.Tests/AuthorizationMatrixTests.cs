using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChatService.Tests.Infrastructure;
using ServiceDefaults.Auth;
using Testing;

namespace ChatService.Tests;

/// <summary>
/// Every route × {no token, user, other user, admin, service} → the expected status, as one table. "user" owns the
/// document, session and task a row reads; "other" is another user; "admin" has the admin role (which gives no access to
/// users' data here); "service" is EvaluationService's identity (evaluationservice, publisher role), no more than a user.
/// Each cell gets fresh resources. <see cref="AuthorizationMatrix.Allowed"/> (0) marks cells whose success status depends
/// on timing or content (a chat answer, a cancel of a task that may have ended).
/// </summary>
[Collection("dependencies")]
public sealed class AuthorizationMatrixTests(DependenciesFixture deps, SharedSimulator simulator) : IAsyncLifetime
{
    private const int Ok = AuthorizationMatrix.Allowed;
    private const string Boundary = "matrix-boundary";
    private readonly string _owner = Users.New("alice");
    private readonly string _other = Users.New("bob");
    private ChatApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, simulator.Server);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>Method, path ({document}, {session}, {task} are the user's, fresh per cell), body, then None, User, Other, Admin,
    /// Service.</summary>
    public static TheoryData<string, string, string?, int, int, int, int, int> Routes => new()
    {
        { "POST", "/api/documents", "upload", 401, Ok, Ok, Ok, Ok },
        { "GET", "/api/documents", null, 401, 200, 200, 200, 200 },
        { "GET", "/api/documents/{document}", null, 401, 200, 404, 404, 404 },
        { "GET", "/api/documents/{document}/chunks", null, 401, 200, 404, 404, 404 },
        { "DELETE", "/api/documents/{document}", null, 401, 204, 404, 404, 404 },
        { "POST", "/api/sessions", """{"title":"t"}""", 401, 201, 201, 201, 201 },
        { "GET", "/api/sessions", null, 401, 200, 200, 200, 200 },
        { "GET", "/api/sessions/{session}/messages", null, 401, 200, 404, 404, 404 },
        { "DELETE", "/api/sessions/{session}", null, 401, 204, 404, 404, 404 },
        { "POST", "/api/chat", """{"message":"hello"}""", 401, Ok, Ok, Ok, Ok },
        { "POST", "/api/chat", """{"message":"hello","sessionId":"{session}"}""", 401, Ok, 404, 404, 404 },
        { "POST", "/api/chat/tasks", """{"message":"hello"}""", 401, Ok, Ok, Ok, Ok },
        { "GET", "/api/chat/tasks/{task}", null, 401, 200, 404, 404, 404 },
        { "POST", "/api/chat/tasks/{task}/cancel", null, 401, Ok, 404, 404, 404 },
        { "GET", "/api/activity", null, 401, 200, 200, 200, 200 },
        { "GET", "/v1/models", null, 401, 200, 200, 200, 200 },
        { "POST", "/v1/chat/completions", """{"model":"rag","messages":[{"role":"user","content":"hello"}]}""", 401, Ok, Ok, Ok, Ok },
        { "GET", "/admin/queues", null, 401, 403, 403, 200, 403 },
        { "GET", "/admin/circuit-breakers", null, 401, 403, 403, 200, 403 },
        { "GET", "/health/detailed", null, 401, 403, 403, 200, 403 },
        { "GET", "/alive", null, 200, 200, 200, 200, 200 },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Route_answers_each_principal_as_the_table_says(string method, string path, string? body,
        int none, int user, int other, int admin, int service)
    {
        var contentType = body == "upload" ? $"multipart/form-data; boundary={Boundary}" : "application/json";
        var failures = await AuthorizationMatrix.CheckRowAsync(method, () => FillAsync(path, body), contentType,
            AuthorizationMatrix.Row(none, user, other, admin, service), TokenFor, _app.AnonymousClient);

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private string? TokenFor(Principal who) => who switch
    {
        Principal.None => null,
        Principal.User => ChatApp.TokenFor(_owner),
        Principal.OtherUser => ChatApp.TokenFor(_other),
        Principal.Admin => Token("ops", AuthRoles.Admin),
        _ => Token("evaluationservice", AuthRoles.Publisher),
    };

    private static string Token(string subject, params string[] roles) =>
        DevTokenIssuer.Mint(ChatApp.SigningKey, subject, roles, "aspire-chat-dev", ServiceAudiences.Chat, TimeSpan.FromHours(1));

    /// <summary>Fresh resources for one cell, owned by the user: a document, a session, a chat task.</summary>
    private async Task<(string Url, string? Body)> FillAsync(string path, string? body)
    {
        using var owner = new ChatApiClient(_app.ClientFor(_owner));
        if (body == "upload")
        {
            body = $"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.txt\"\r\n" +
                   $"Content-Type: text/plain\r\n\r\n" +
                   $"matrix {Guid.NewGuid()}\r\n--{Boundary}--\r\n";
        }

        if (path.Contains("{document}", StringComparison.Ordinal))
        {
            var document = await owner.UploadTextAsync($"{Guid.NewGuid():N}.txt", $"matrix document {Guid.NewGuid()}");
            path = path.Replace("{document}", document.ToString(), StringComparison.Ordinal);
        }

        if ((path + body).Contains("{session}", StringComparison.Ordinal))
        {
            using var created = await owner.Http.PostAsync("/api/sessions",
                new StringContent("""{"title":"matrix"}""", Encoding.UTF8, "application/json"));
            var session = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            path = path.Replace("{session}", session, StringComparison.Ordinal);
            body = body?.Replace("{session}", session, StringComparison.Ordinal);
        }

        if (path.Contains("{task}", StringComparison.Ordinal))
        {
            using var created = await owner.Http.PostAsync("/api/chat/tasks",
                new StringContent("""{"message":"hello"}""", Encoding.UTF8, "application/json"));
            var task = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            path = path.Replace("{task}", task, StringComparison.Ordinal);
        }

        return (path, body);
    }
}
