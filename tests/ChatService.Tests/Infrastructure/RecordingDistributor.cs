using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ServiceDefaults.Auth;

namespace ChatService.Tests.Infrastructure;

/// <summary>
/// DistributorService's <c>POST /api/events</c> as a remote double on real Kestrel at a fixed loopback port (so it can come up
/// after ChatService started): it validates the bearer token as DistributorService does (signing key, issuer, audience
/// <c>distributorservice</c>), answers 401 otherwise, and records every accepted event with its caller.
/// </summary>
public sealed class RecordingDistributor : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedEvent> _events = new();

    private RecordingDistributor(WebApplication app) => _app = app;

    public IReadOnlyList<ReceivedEvent> Events => _events.ToArray();

    public static async Task<RecordingDistributor> StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var distributor = new RecordingDistributor(app);
        app.MapPost("/api/events", (Func<HttpContext, Task<IResult>>)distributor.AcceptAsync);
        await app.StartAsync();
        return distributor;
    }

    public async Task<ReceivedEvent> WaitForAsync(Func<ReceivedEvent, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Events.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no matching event within {timeout}; received: {string.Join(", ", Events.Select(e => e.Type))}");
    }

    private async Task<IResult> AcceptAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        var validation = await new JsonWebTokenHandler()
            .ValidateTokenAsync(header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..] : "", new TokenValidationParameters
            {
                ValidIssuer = "aspire-chat-dev",
                ValidAudience = ServiceAudiences.Distributor,
                IssuerSigningKey = DevTokenIssuer.SigningKeyFrom(ChatApp.SigningKey),
            });
        if (!validation.IsValid)
        {
            return Results.Unauthorized();
        }

        using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var token = (JsonWebToken)validation.SecurityToken;
        _events.Enqueue(new ReceivedEvent(
            body.RootElement.GetProperty("type").GetString()!,
            body.RootElement.GetProperty("payload").Clone(),
            context.Request.Headers["Idempotency-Key"].ToString(),
            token.Subject,
            token.Claims.Where(c => c.Type == "role").Select(c => c.Value).ToArray()));
        return Results.Accepted();
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }
}

public sealed record ReceivedEvent(string Type, JsonElement Payload, string IdempotencyKey, string Subject, string[] Roles);
