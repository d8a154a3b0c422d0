using System.Buffers;
using System.Text.Json;
using ServiceDefaults.Problems;

namespace ServiceDefaults.Http;

/// <summary>
/// Reads an outgoing call's response body with a size cap: a declared <c>Content-Length</c> over the cap fails before
/// reading, and an undeclared body fails as soon as the cap is passed, so a hostile or broken server cannot make the
/// service buffer an unbounded body. Use it for every body read from a dependency (the call must be sent with
/// <see cref="HttpCompletionOption.ResponseHeadersRead"/> or through an <see cref="HttpMessageInvoker"/>, or the client
/// has buffered the body already).
/// </summary>
public static class BoundedContent
{
    /// <summary>The body, at most <paramref name="maxBytes"/> long; <see cref="ResponseTooLargeException"/> beyond.</summary>
    public static async Task<byte[]> ReadAsBytesAsync(HttpContent content, long maxBytes, string what, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is { } declared && declared > maxBytes)
        {
            throw new ResponseTooLargeException(what, maxBytes, declared);
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    throw new ResponseTooLargeException(what, maxBytes, null);
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.ToArray();
    }

    /// <summary>The body as a JSON document, at most <paramref name="maxBytes"/> long.</summary>
    public static async Task<JsonDocument> ReadJsonDocumentAsync(HttpContent content, long maxBytes, string what,
        CancellationToken cancellationToken) =>
        JsonDocument.Parse(await ReadAsBytesAsync(content, maxBytes, what, cancellationToken));

    /// <summary>The body deserialized, at most <paramref name="maxBytes"/> long.</summary>
    public static async Task<T?> ReadFromJsonAsync<T>(HttpContent content, long maxBytes, string what, JsonSerializerOptions? options,
        CancellationToken cancellationToken) =>
        JsonSerializer.Deserialize<T>(await ReadAsBytesAsync(content, maxBytes, what, cancellationToken),
            options ?? JsonSerializerOptions.Web);
}

/// <summary>A dependency's response body was larger than the cap for it (code <c>RESPONSE_TOO_LARGE</c>); the read stopped at the
/// cap.</summary>
public sealed class ResponseTooLargeException(string what, long maxBytes, long? declared)
    : HttpRequestException($"{what}: the response body is larger than {maxBytes} bytes" +
        (declared is { } d ? $" (Content-Length {d})." : "."))
{
    public string Code => ErrorCodes.ResponseTooLarge;

    public long MaxBytes { get; } = maxBytes;
}
