using DistributorService.Data;
using DistributorService.Destinations;
using Testing;
using WebhookSink;

namespace DistributorService.Tests;

/// <summary>Outbound reads are capped: a token endpoint that answers an endless body fails the token request after
/// OAuth:MaxTokenResponseBytes.</summary>
[Collection("dependencies")]
public sealed class ResponseCapTests(DependenciesFixture deps) : IAsyncLifetime
{
    private const long Padding = 1L << 30; // 1 GiB, streamed: never held in memory by the sink
    private WebhookSinkServer _sink = null!;
    private DistributorApp _app = null!;

    public async Task InitializeAsync()
    {
        _sink = await WebhookSinkServer.StartAsync(new WebhookSinkOptions { TokenResponsePaddingBytes = Padding });
        _app = await DistributorApp.StartAsync(deps);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _sink.DisposeAsync();
    }

    [Fact]
    public async Task A_huge_token_response_fails_the_delivery_with_response_too_large_and_is_not_read_to_the_end()
    {
        _sink.SetBehavior("/hooks/oauth", SinkBehavior.Protected());
        await _app.Client.CreateDestinationAsync(DistributorClient.Destination(_sink.UrlFor("/hooks/oauth"), maxAttempts: 3,
            auth: new DestinationAuthRequest("oauth2_client_credentials", null, _sink.TokenEndpoint.ToString(),
                _sink.Options.OAuthClientId, _sink.Options.OAuthClientSecret, null)));

        var id = (await _app.Client.PostEventAsync("chat.message", new { n = 1 })).Distributions[0].Id;
        var done = await _app.Client.WaitForStatusAsync(id, DistributionStatus.Failed, TimeSpan.FromSeconds(60));

        // One attempt: an oversized token response is a misconfigured (or hostile) endpoint, not a transient failure.
        var attempt = Assert.Single(done.Attempts!);
        Assert.Contains("RESPONSE_TOO_LARGE", attempt.Error, StringComparison.Ordinal);
        Assert.Single(_sink.TokenRequests);
        Assert.Empty(_sink.RequestsTo("/hooks/oauth"));
        // The reader itself stops at its cap (64 KiB, BoundedContentTests). How much the sink pushes after that depends on
        // the connection's teardown (a full run once saw the whole 1 GiB counted), so it is not asserted here.
    }
}
