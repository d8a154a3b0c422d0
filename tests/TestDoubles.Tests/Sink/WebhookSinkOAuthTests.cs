using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Serialization;
using WebhookSink;

namespace TestDoubles.Tests.Sink;

public sealed class WebhookSinkOAuthTests
{
    private static FormUrlEncodedContent ClientCredentials(string secret = "sink-secret") => new(new Dictionary<string, string>
    {
        ["grant_type"] = "client_credentials",
        ["client_id"] = "sink-client",
        ["client_secret"] = secret,
        ["scope"] = "events.write",
    });

    private static async Task<string> FetchTokenAsync(HttpClient http, WebhookSinkServer sink, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync(sink.TokenEndpoint, ClientCredentials(), cancellationToken);
        response.EnsureSuccessStatusCode();
        var token = await response.Content.ReadFromJsonAsync<TokenResponse>(cancellationToken);
        return token!.AccessToken;
    }

    private static async Task<HttpStatusCode> DeliverAsync(HttpClient http, WebhookSinkServer sink, string? token,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, sink.UrlFor("/hooks/secure"))
        {
            Content = new StringContent("{}", Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        return response.StatusCode;
    }

    [Fact]
    public async Task Token_endpoint_issues_bearer_tokens_for_the_configured_client()
    {
        using var budget = TestBudget.Start();
        await using var sink = await WebhookSinkServer.StartAsync(cancellationToken: budget.Token);
        using var http = new HttpClient();

        using var response = await http.PostAsync(sink.TokenEndpoint, ClientCredentials(), budget.Token);
        var token = await response.Content.ReadFromJsonAsync<TokenResponse>(budget.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Bearer", token!.TokenType);
        Assert.Equal(3600, token.ExpiresIn);
        Assert.Equal("events.write", token.Scope);
        Assert.Equal([token.AccessToken], sink.IssuedTokens);
        Assert.Single(sink.TokenRequests);
        Assert.Empty(sink.Requests);
    }

    [Fact]
    public async Task Token_endpoint_accepts_http_basic_client_authentication()
    {
        using var budget = TestBudget.Start();
        await using var sink = await WebhookSinkServer.StartAsync(
            new WebhookSinkOptions { OAuthClientId = "id with space", OAuthClientSecret = "s3cret" }, budget.Token);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, sink.TokenEndpoint)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("id+with+space:s3cret".Replace("+", "%20", StringComparison.Ordinal))));

        using var response = await http.SendAsync(request, budget.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Token_endpoint_refuses_a_wrong_secret_and_an_unsupported_grant()
    {
        using var budget = TestBudget.Start();
        await using var sink = await WebhookSinkServer.StartAsync(cancellationToken: budget.Token);
        using var http = new HttpClient();

        using var wrongSecret = await http.PostAsync(sink.TokenEndpoint, ClientCredentials("wrong"), budget.Token);
        using var wrongGrant = await http.PostAsync(
            sink.TokenEndpoint,
            new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "password" }),
            budget.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.StatusCode);
        Assert.Contains("invalid_client", await wrongSecret.Content.ReadAsStringAsync(budget.Token), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, wrongGrant.StatusCode);
        Assert.Equal([401, 400], sink.TokenRequests.Select(r => r.ResponseStatus));
        Assert.Empty(sink.IssuedTokens);
    }

    [Fact]
    public async Task Protected_path_requires_an_issued_token()
    {
        using var budget = TestBudget.Start();
        await using var sink = await WebhookSinkServer.StartAsync(cancellationToken: budget.Token);
        sink.SetBehavior("/hooks/secure", SinkBehavior.Protected());
        using var http = new HttpClient();
        var token = await FetchTokenAsync(http, sink, budget.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, await DeliverAsync(http, sink, null, budget.Token));
        Assert.Equal(HttpStatusCode.Unauthorized, await DeliverAsync(http, sink, "forged", budget.Token));
        Assert.Equal(HttpStatusCode.OK, await DeliverAsync(http, sink, token, budget.Token));
    }

    [Fact]
    public async Task Token_rejected_once_gets_401_a_single_time_so_a_refresh_can_be_tested()
    {
        using var budget = TestBudget.Start();
        await using var sink = await WebhookSinkServer.StartAsync(cancellationToken: budget.Token);
        sink.SetBehavior("/hooks/secure", SinkBehavior.Protected());
        using var http = new HttpClient();
        var token = await FetchTokenAsync(http, sink, budget.Token);

        sink.RejectTokenOnce(token);

        Assert.Equal(HttpStatusCode.Unauthorized, await DeliverAsync(http, sink, token, budget.Token));
        Assert.Equal(HttpStatusCode.OK, await DeliverAsync(http, sink, token, budget.Token));
    }

    [Fact]
    public async Task Revoked_tokens_stay_refused_until_a_new_one_is_fetched()
    {
        using var budget = TestBudget.Start();
        await using var sink = await WebhookSinkServer.StartAsync(cancellationToken: budget.Token);
        sink.SetBehavior("/hooks/secure", SinkBehavior.Protected(204));
        using var http = new HttpClient();
        var first = await FetchTokenAsync(http, sink, budget.Token);

        sink.RevokeIssuedTokens();
        var refused = await DeliverAsync(http, sink, first, budget.Token);
        var second = await FetchTokenAsync(http, sink, budget.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, refused);
        Assert.Equal(HttpStatusCode.NoContent, await DeliverAsync(http, sink, second, budget.Token));
        Assert.Equal(2, sink.TokenRequests.Count);
    }

    [Fact]
    public async Task Expired_tokens_are_refused()
    {
        using var budget = TestBudget.Start();
        await using var sink = await WebhookSinkServer.StartAsync(new WebhookSinkOptions { TokenExpiresInSeconds = 0 }, budget.Token);
        sink.SetBehavior("/hooks/secure", SinkBehavior.Protected());
        using var http = new HttpClient();
        var token = await FetchTokenAsync(http, sink, budget.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, await DeliverAsync(http, sink, token, budget.Token));
    }

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("token_type")] string TokenType,
        [property: JsonPropertyName("expires_in")] int ExpiresIn,
        [property: JsonPropertyName("scope")] string? Scope);
}
