using System.Collections.Concurrent;
using System.Text.Json;
using EvaluationService.Chat;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;

namespace EvaluationService.Tests.Fakes;

/// <summary>
/// A remote double of ChatService on real Kestrel (loopback): answers <c>POST /api/chat</c> like ChatService, with
/// behaviour per question (answer, fail, be slow, hang) and observations (calls per question, concurrency, callers).
/// Also serves the documents of <see cref="AddDocument"/> like ChatService: <c>GET /api/documents/{id}</c> and
/// <c>GET /api/documents/{id}/chunks?limit&amp;cursor</c> → <c>{items: [{id, index, text, page, heading}], nextCursor}</c>,
/// only to their owner (404 for anyone else), limit 1..100 (400 otherwise), pages cut to <see cref="MaxChunkPageSize"/>.
/// </summary>
public sealed class FakeChatService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _calls = new();
    private readonly ConcurrentDictionary<string, byte> _inFlight = new();
    private readonly ConcurrentQueue<string> _subjects = new();
    private readonly ConcurrentQueue<JsonWebToken> _tokens = new();
    private readonly ConcurrentDictionary<string, (string Owner, string Title, string[] Chunks)> _documents = new();
    private readonly ConcurrentQueue<string> _chunkRequests = new();
    private int _current;
    private int _max;
    private int _total;

    private FakeChatService(WebApplication app) => _app = app;

    /// <summary>Decides the reply for a question; replace it at any time.</summary>
    public Func<string, FakeReply> Behaviour { get; set; } = q => FakeReply.Says($"An answer to {q}");

    public Uri BaseAddress { get; private set; } = null!;

    public int MaxConcurrency => Volatile.Read(ref _max);

    public int TotalCalls => Volatile.Read(ref _total);

    public int CallsFor(string question) => _calls.GetValueOrDefault(question);

    public IReadOnlyCollection<string> Subjects => _subjects.ToArray();

    /// <summary>The bearer tokens of the chat calls, in order (their audience, actor and roles are what ChatService checks).</summary>
    public IReadOnlyCollection<JsonWebToken> Tokens => _tokens.ToArray();

    /// <summary>Observed questions in flight at the same time, for cross-run checks.</summary>
    public IReadOnlyCollection<string> InFlight => _inFlight.Keys.ToArray();

    /// <summary>Called with the set of questions in flight every time a call starts.</summary>
    public Action<IReadOnlyCollection<string>>? OnCallStarted { get; set; }

    /// <summary>The server cuts every chunk page to at most this many items (the client must follow <c>nextCursor</c>).</summary>
    public int MaxChunkPageSize { get; set; } = 100;

    /// <summary>Query strings of the chunk requests, in order.</summary>
    public IReadOnlyList<string> ChunkRequests => _chunkRequests.ToArray();

    public void AddDocument(string owner, string id, string title, params string[] chunks) => _documents[id] = (owner, title, chunks);

    public static async Task<FakeChatService> StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeChatService(app);
        app.MapPost("/api/chat", (Func<HttpContext, Task<IResult>>)fake.ChatAsync);
        app.MapGet("/api/documents/{id}", (Func<HttpContext, string, IResult>)fake.Document);
        app.MapGet("/api/documents/{id}/chunks", (Func<HttpContext, string, IResult>)fake.Chunks);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.BaseAddress = new Uri(address);
        return fake;
    }

    private async Task<IResult> ChatAsync(HttpContext context)
    {
        var auth = context.Request.Headers.Authorization.ToString();
        if (!auth.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return Results.Unauthorized();
        }

        var token = new JsonWebToken(auth["Bearer ".Length..]);
        _subjects.Enqueue(token.Subject);
        _tokens.Enqueue(token);
        var request = await JsonSerializer.DeserializeAsync<ChatRequest>(context.Request.Body, JsonSerializerOptions.Web,
            context.RequestAborted);
        var question = request?.Message ?? string.Empty;
        _calls.AddOrUpdate(question, 1, (_, n) => n + 1);
        Interlocked.Increment(ref _total);
        var now = Interlocked.Increment(ref _current);
        InterlockedMax(ref _max, now);
        _inFlight[question] = 0;
        OnCallStarted?.Invoke(InFlight);
        try
        {
            var reply = Behaviour(question);
            if (reply.Hang)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
            }

            if (reply.Delay is { } delay)
            {
                await Task.Delay(delay, context.RequestAborted);
            }

            if (reply.Status != 200)
            {
                return Results.Problem(statusCode: reply.Status, title: "fake failure");
            }

            return Results.Json(new ChatResponse(Guid.NewGuid(), Guid.NewGuid(), reply.Answer, reply.Citations ?? [], reply.Degraded,
                new ChatUsage(10, 5), new ChatTimings(1, 5, 7)), JsonSerializerOptions.Web);
        }
        finally
        {
            _inFlight.TryRemove(question, out _);
            Interlocked.Decrement(ref _current);
        }
    }

    private IResult Document(HttpContext context, string id) =>
        OwnDocument(context, id) is { } document ? Results.Json(new { id, title = document.Title, chunks = document.Chunks.Length })
            : NotFound(context);

    private IResult Chunks(HttpContext context, string id)
    {
        _chunkRequests.Enqueue(context.Request.QueryString.ToString());
        if (OwnDocument(context, id) is not { } document)
        {
            return NotFound(context);
        }

        var query = context.Request.Query;
        var limit = query.ContainsKey("limit") && int.TryParse(query["limit"], out var l) ? l : 20;
        var from = query.ContainsKey("cursor") && int.TryParse(query["cursor"], out var c) ? c + 1 : 0;
        if (limit is < 1 or > 100)
        {
            return Results.Problem(statusCode: 400, title: "limit must be between 1 and 100");
        }

        var take = Math.Min(limit, MaxChunkPageSize);
        var items = document.Chunks.Index().Skip(from).Take(take)
            .Select(x => new { id = $"{id}-{x.Index}", index = x.Index, text = x.Item, page = (int?)1, heading = (string?)null })
            .ToList();
        var next = from + take < document.Chunks.Length ? (from + take - 1).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : null;
        return Results.Json(new { items, nextCursor = next });
    }

    private (string Owner, string Title, string[] Chunks)? OwnDocument(HttpContext context, string id)
    {
        var auth = context.Request.Headers.Authorization.ToString();
        var owner = auth.StartsWith("Bearer ", StringComparison.Ordinal) ? new JsonWebToken(auth["Bearer ".Length..]).Subject : null;
        return _documents.TryGetValue(id, out var document) && document.Owner == owner ? document : null;
    }

    private static IResult NotFound(HttpContext context) =>
        context.Request.Headers.Authorization.Count == 0 ? Results.Unauthorized()
            : Results.Problem(statusCode: 404, title: "Document not found");

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
