namespace ServiceDefaults.Streaming;

/// <summary>
/// Carries a caller's cancellation token to the response-body reads of the HTTP calls it starts, for libraries that
/// read a body without passing a token on (OllamaSharp reads its NDJSON lines that way: a cancelled token did not stop
/// a read blocked on a silent model server). <see cref="ReadWatchdogHandler"/> captures the token bound here when the
/// request is sent and gives it to every read of that response, so the token firing aborts the read and closes the
/// connection at once. Bind around the call that sends the request:
/// <code>using (ReadWatchdog.Bind(cancellationToken)) { await client.CallAsync(..., cancellationToken); }</code>
/// <see cref="BoundReadsChatClient"/> and <see cref="BoundReadsEmbeddingGenerator"/> do this for Microsoft.Extensions.AI clients.
/// </summary>
public static class ReadWatchdog
{
    private static readonly AsyncLocal<CancellationToken> Ambient = new();

    /// <summary>The token bound by the innermost <see cref="Bind"/> of this async flow, or none.</summary>
    public static CancellationToken Current => Ambient.Value;

    /// <summary>Binds <paramref name="cancellationToken"/> to the requests sent until the returned scope is disposed.</summary>
    public static Scope Bind(CancellationToken cancellationToken)
    {
        var previous = Ambient.Value;
        Ambient.Value = cancellationToken;
        return new Scope(previous);
    }

    public readonly struct Scope(CancellationToken previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
