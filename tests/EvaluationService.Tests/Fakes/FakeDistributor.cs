using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ServiceDefaults.Auth;

namespace EvaluationService.Tests.Fakes;

/// <summary>
/// A remote double of DistributorService's <c>POST /api/events</c> on a fixed loopback port, startable late. Like the real
/// service it requires a bearer token signed with <see cref="SigningKey"/> (issuer/audience of the dev tokens): 401 otherwise.
/// </summary>
public sealed class FakeDistributor : IAsyncDisposable
{
    private readonly ConcurrentQueue<(string Type, string IdempotencyKey, JsonElement Payload)> _accepted = new();
    private WebApplication? _app;
    private readonly ConcurrentQueue<string> _subjects = new();
    private readonly ConcurrentQueue<string[]> _roles = new();
    private int _failuresLeft;
    private int _unauthorized;

    public FakeDistributor(int port, string signingKey)
    {
        Port = port;
        SigningKey = signingKey;
    }

    /// <summary>The key a token must be signed with; change it to simulate a fixed (or broken) configuration.</summary>
    public string SigningKey { get; set; }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public IReadOnlyList<(string Type, string IdempotencyKey, JsonElement Payload)> Accepted => _accepted.ToArray();

    public int Rejected { get; private set; }

    /// <summary>Requests answered 401 (no token, or not a valid one).</summary>
    public int Unauthorized => Volatile.Read(ref _unauthorized);

    /// <summary>The <c>sub</c> of every accepted token.</summary>
    public IReadOnlyCollection<string> Subjects => _subjects.ToArray();

    /// <summary>The <c>role</c> claims of every accepted token, one array per request.</summary>
    public IReadOnlyCollection<string[]> Roles => _roles.ToArray();

    /// <summary>Starts listening; the first <paramref name="failFirst"/> requests are answered 503.</summary>
    public async Task StartAsync(int failFirst = 0, CancellationToken cancellationToken = default)
    {
        _failuresLeft = failFirst;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(BaseAddress.ToString());
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/api/events", async (HttpContext context) =>
        {
            if (await ValidTokenAsync(context) is not { } identity || identity.FindFirst("sub")?.Value is not { } subject)
            {
                Interlocked.Increment(ref _unauthorized);
                return Results.Unauthorized();
            }

            _subjects.Enqueue(subject);
            _roles.Enqueue(identity.FindAll("role").Select(c => c.Value).ToArray());
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                Rejected++;
                return Results.StatusCode(503);
            }

            using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            var root = body.RootElement;
            _accepted.Enqueue((root.GetProperty("type").GetString()!, root.GetProperty("idempotencyKey").GetString()!,
                root.GetProperty("payload").Clone()));
            return Results.Accepted();
        });
        await _app.StartAsync(cancellationToken);
    }

    private async Task<System.Security.Claims.ClaimsIdentity?> ValidTokenAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return null;
        }

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(header["Bearer ".Length..], new TokenValidationParameters
        {
            ValidIssuer = "aspire-chat-dev",
            ValidAudience = ServiceAudiences.Distributor,
            IssuerSigningKey = DevTokenIssuer.SigningKeyFrom(SigningKey),
            ValidateLifetime = true,
        });
        return result.IsValid ? result.ClaimsIdentity : null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _app.StopAsync(stop.Token);
            await _app.DisposeAsync();
        }
    }
}
