namespace WebhookSink;

/// <summary>Turns an incoming request into a <see cref="RecordedRequest"/>.</summary>
internal static class RequestReader
{
    public static async Task<RecordedRequest> ReadAsync(HttpRequest request, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        return new RecordedRequest(
            request.Method,
            request.Path.Value ?? "/",
            request.QueryString.Value ?? "",
            headers,
            buffer.ToArray(),
            receivedAt,
            ResponseStatus: null);
    }

    /// <summary>The token of an <c>Authorization: Bearer …</c> header, or null.</summary>
    public static string? BearerToken(RecordedRequest request) =>
        request.Header("Authorization") is { } value && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? value["Bearer ".Length..].Trim()
            : null;
}
