using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace WebhookSink;

/// <summary>POST /oauth/token: OAuth2 client credentials (RFC 6749 §4.4), client authenticated by form fields or HTTP Basic.</summary>
internal static class OAuthTokenEndpoint
{
    public const string Path = "/oauth/token";

    public static IEndpointRouteBuilder MapOAuthTokenEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, IssueAsync);
        return app;
    }

    private static async Task<IResult> IssueAsync(HttpContext context, SinkState state, WebhookSinkOptions options,
        CancellationToken cancellationToken)
    {
        var received = await RequestReader.ReadAsync(context.Request, state.Time.GetUtcNow(), cancellationToken);
        var form = QueryHelpers.ParseQuery(received.Body);
        var (clientId, clientSecret) = BasicCredentials(received) ?? (Value(form, "client_id"), Value(form, "client_secret"));

        IResult result;
        int status;
        if (Value(form, "grant_type") != "client_credentials")
        {
            (result, status) = (Results.Json(new { error = "unsupported_grant_type" }, statusCode: 400), 400);
        }
        else if (!state.Tokens.IsClient(clientId, clientSecret))
        {
            (result, status) = (Results.Json(new { error = "invalid_client" }, statusCode: 401), 401);
        }
        else
        {
            var token = state.Tokens.Issue();
            var body = new Dictionary<string, object>
            {
                ["access_token"] = token,
                ["token_type"] = "Bearer",
                ["expires_in"] = options.TokenExpiresInSeconds,
            };
            if (Value(form, "scope") is { } scope)
            {
                body["scope"] = scope;
            }

            (result, status) = options.TokenResponsePaddingBytes > 0
                ? (new PaddedTokenResult(token, options.TokenResponsePaddingBytes, state), 200)
                : (Results.Json(body), 200);
        }

        state.RecordTokenRequest(received with { ResponseStatus = status });
        return result;
    }

    private static (string? Id, string? Secret)? BasicCredentials(RecordedRequest request)
    {
        var header = request.Header("Authorization");
        if (header is null || !header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon < 0
            ? (Uri.UnescapeDataString(decoded), null)
            : (Uri.UnescapeDataString(decoded[..colon]), Uri.UnescapeDataString(decoded[(colon + 1)..]));
    }

    private static string? Value(Dictionary<string, Microsoft.Extensions.Primitives.StringValues> form, string key) =>
        form.TryGetValue(key, out var value) ? value.ToString() : null;
}

/// <summary>A token response with a huge <c>padding</c> member, written chunk by chunk (never held in memory) until the client goes
/// away.</summary>
internal sealed class PaddedTokenResult(string token, long paddingBytes, SinkState state) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = 200;
        httpContext.Response.ContentType = "application/json";
        // why the PipeWriter: once the client has gone, Kestrel completes writes without sending or throwing, and
        // RequestAborted fires later on the thread pool; a FlushResult that IsCompleted says so at once, so only bytes
        // written while the client was still there are counted
        var body = httpContext.Response.BodyWriter;
        var cancellationToken = httpContext.RequestAborted;
        var head = Encoding.UTF8.GetBytes($"{{\"access_token\":\"{token}\",\"token_type\":\"Bearer\",\"padding\":\"");
        await body.WriteAsync(head, cancellationToken);
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)'x');
        try
        {
            for (long sent = 0; sent < paddingBytes; sent += chunk.Length)
            {
                var result = await body.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, paddingBytes - sent)), cancellationToken);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }

                state.AddTokenBytesSent(chunk.Length);
            }

            await body.WriteAsync("\"}"u8.ToArray(), cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client stopped reading and went away.
        }
    }
}
