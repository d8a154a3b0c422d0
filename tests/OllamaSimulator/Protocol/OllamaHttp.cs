using System.Text;
using System.Text.Json;

namespace OllamaSimulator;

/// <summary>Reads request bodies and writes responses the way Ollama's Go server does.</summary>
internal static class OllamaHttp
{
    public const string JsonContentType = "application/json; charset=utf-8";
    public const string NdjsonContentType = "application/x-ndjson";

    /// <summary>Binds JSON whatever the Content-Type, as Ollama does; returns the Ollama error text on failure.</summary>
    public static async Task<(T? Body, string? Error)> ReadBodyAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (bytes.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            return (null, "missing request body");
        }

        try
        {
            var body = JsonSerializer.Deserialize<T>(bytes.Span, OllamaJson.Options);
            return body is null ? (null, "missing request body") : (body, null);
        }
        catch (JsonException exception)
        {
            return (null, exception.Message);
        }
    }

    public static Task WriteErrorAsync(HttpContext context, int status, string message, CancellationToken cancellationToken) =>
        WriteJsonAsync(context, new ErrorBody(message), cancellationToken, status);

    public static async Task WriteJsonAsync<T>(HttpContext context, T value, CancellationToken cancellationToken,
        int status = StatusCodes.Status200OK)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, OllamaJson.Options);
        context.Response.StatusCode = status;
        context.Response.ContentType = JsonContentType;
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, cancellationToken);
    }

    /// <summary>Writes one NDJSON line and flushes it, so the client sees it at once (the first flush sends the headers).</summary>
    public static Task WriteLineAsync<T>(HttpContext context, T value, CancellationToken cancellationToken) =>
        WriteRawLineAsync(context, JsonSerializer.Serialize(value, OllamaJson.Options), cancellationToken);

    public static async Task WriteRawLineAsync(HttpContext context, string line, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!context.Response.HasStarted)
        {
            context.Response.ContentType = NdjsonContentType;
        }

        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }

    private sealed record ErrorBody(string Error);
}
