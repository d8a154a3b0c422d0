using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace WebhookSink;

/// <summary>
/// An in-process webhook destination on a real loopback port (Kestrel, not TestServer). It records every request and
/// answers as told: succeed, fail (with Retry-After), hang, answer slowly, succeed after N failures, or demand an
/// OAuth2 bearer token issued by its own <c>POST /oauth/token</c>.
/// </summary>
public sealed class WebhookSinkServer : IAsyncDisposable
{
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(5);

    private readonly WebApplication app;
    private readonly SinkState state;

    private WebhookSinkServer(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        state = app.Services.GetRequiredService<SinkState>();
        Options = app.Services.GetRequiredService<WebhookSinkOptions>();
        BaseAddress = baseAddress;
    }

    /// <summary>Root URL with a trailing slash, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    public WebhookSinkOptions Options { get; }

    /// <summary>Absolute URL of the OAuth2 token endpoint.</summary>
    public Uri TokenEndpoint => UrlFor(OAuthTokenEndpoint.Path);

    /// <summary>Every request except token requests and control calls, oldest first.</summary>
    public IReadOnlyList<RecordedRequest> Requests => state.Requests;

    /// <summary>Requests to <c>POST /oauth/token</c>, oldest first (each with the status it got).</summary>
    public IReadOnlyList<RecordedRequest> TokenRequests => state.TokenRequests;

    /// <summary>Bytes of padded token responses written so far (<see cref="WebhookSinkOptions.TokenResponsePaddingBytes"/>).</summary>
    public long TokenResponseBytesSent => state.TokenResponseBytesSent;

    public IReadOnlyList<string> IssuedTokens => state.Tokens.Issued;

    /// <summary>Requests that ended because the client disconnected while the sink hung or delayed.</summary>
    public int CancelledRequests => state.CancelledRequests;

    public int InFlight => state.InFlight;

    public int MaxConcurrentObserved => state.MaxConcurrentObserved;

    public static async Task<WebhookSinkServer> StartAsync(WebhookSinkOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var app = SinkApp.Build([], options ?? new WebhookSinkOptions(), onFreeLoopbackPort: true);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new WebhookSinkServer(app, new Uri(address));
    }

    /// <summary>Absolute URL of a path on this sink, e.g. <c>UrlFor("/hooks/a")</c>.</summary>
    public Uri UrlFor(string path) => new(BaseAddress, path.TrimStart('/'));

    public IReadOnlyList<RecordedRequest> RequestsTo(string path) =>
        state.Requests.Where(r => SinkAdminApi.PathEquals(r.Path, path)).ToList();

    /// <summary>Sets how every path without its own behaviour answers.</summary>
    public void SetBehavior(SinkBehavior behavior) => state.SetBehavior(null, behavior);

    /// <summary>Sets how one path (exact, case-insensitive) answers; restarts its "succeed after N failures" count.</summary>
    public void SetBehavior(string path, SinkBehavior behavior) => state.SetBehavior(path, behavior);

    /// <summary>The next protected request carrying <paramref name="token"/> gets 401; later ones pass again.</summary>
    public void RejectTokenOnce(string token) => state.Tokens.RejectOnce(token);

    /// <summary>Every token issued so far is refused from now on (a fresh one must be fetched).</summary>
    public void RevokeIssuedTokens() => state.Tokens.RevokeAll();

    public SinkStats GetStats() => state.Stats();

    /// <summary>
    /// How many requests to <paramref name="path"/> (exact, case-insensitive) were answered 2xx: a counter a load generator
    /// can read as often as it likes, where <see cref="RequestsTo"/> copies every recorded request.
    /// </summary>
    public int SucceededTo(string path) => state.SucceededTo(path);

    /// <summary>Forgets requests, tokens and behaviours (back to "200 for everything").</summary>
    public void Reset() => state.Reset();

    /// <summary>Waits until at least <paramref name="count"/> requests were recorded and returns them all.</summary>
    /// <exception cref="TimeoutException">Fewer arrived within <paramref name="timeout"/>.</exception>
    public async Task<IReadOnlyList<RecordedRequest>> WaitForRequestsAsync(int count, TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        await state.WaitUntilAsync(() => state.Stats().Requests >= count, timeout, cancellationToken);
        return Requests;
    }

    /// <summary>Waits until at least <paramref name="count"/> requests to <paramref name="path"/> were recorded and returns
    /// those.</summary>
    public async Task<IReadOnlyList<RecordedRequest>> WaitForRequestsAsync(
        string path, int count, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        await state.WaitUntilAsync(() => RequestsTo(path).Count >= count, timeout, cancellationToken);
        return RequestsTo(path);
    }

    /// <summary>Waits until <paramref name="condition"/> holds, re-checking whenever something is recorded or a counter changes.</summary>
    public Task WaitUntilAsync(Func<WebhookSinkServer, bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return state.WaitUntilAsync(() => condition(this), timeout, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        using var bound = new CancellationTokenSource(StopBound);
        await app.StopAsync(bound.Token);
        await app.DisposeAsync();
    }
}
