using System.Net;
using System.Net.Http.Headers;
using Aspire.Hosting.Testing;
using Xunit;

namespace AppHost.Tests;

/// <summary>
/// The AppHost wires every service to its databases, Redis, models and Chroma, and hands all three the same
/// JWT settings: each service starts, reports ready and alive, and accepts tokens signed with the AppHost's key.
/// </summary>
[Trait("Requires", "Docker")]
public sealed class AppHostTests(AppHostFixture fixture) : IClassFixture<AppHostFixture>
{
    private static readonly TimeSpan RequestBudget = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("chatservice")]
    [InlineData("evaluationservice")]
    [InlineData("distributorservice")]
    public async Task Service_started_by_the_app_host_is_ready_and_alive(string service)
    {
        using var client = fixture.App.CreateHttpClient(service, "http");
        using var timeout = new CancellationTokenSource(RequestBudget);

        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), timeout.Token);
        using var alive = await client.GetAsync(new Uri("/alive", UriKind.Relative), timeout.Token);

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    // The API routes are the services' own list endpoints (DESIGN.md §6): one plain authenticated GET each.
    [Theory]
    [InlineData("chatservice", "/api/sessions")]
    [InlineData("evaluationservice", "/api/suites")]
    [InlineData("distributorservice", "/api/destinations")]
    public async Task Service_answers_an_api_call_signed_with_the_app_host_key(string service, string path)
    {
        using var client = fixture.App.CreateHttpClient(service, "http");
        using var timeout = new CancellationTokenSource(RequestBudget);

        using var response = await SendAsync(client, path, fixture.MintToken(admin: false), timeout.Token);

        var body = await response.Content.ReadAsStringAsync(timeout.Token);
        Assert.True(response.IsSuccessStatusCode, $"GET {path} on {service} answered {(int)response.StatusCode}: {body}");
    }

    [Theory]
    [InlineData("chatservice", "/api/sessions")]
    [InlineData("evaluationservice", "/api/suites")]
    [InlineData("distributorservice", "/api/destinations")]
    public async Task Service_refuses_an_api_call_without_a_token(string service, string path)
    {
        using var client = fixture.App.CreateHttpClient(service, "http");
        using var timeout = new CancellationTokenSource(RequestBudget);

        using var response = await SendAsync(client, path, token: null, timeout.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("chatservice")]
    [InlineData("evaluationservice")]
    [InlineData("distributorservice")]
    public async Task Service_shows_health_details_to_an_admin_and_to_nobody_else(string service)
    {
        using var client = fixture.App.CreateHttpClient(service, "http");
        using var timeout = new CancellationTokenSource(RequestBudget);

        using var asUser = await SendAsync(client, "/health/detailed", fixture.MintToken(admin: false), timeout.Token);
        using var asAdmin = await SendAsync(client, "/health/detailed", fixture.MintToken(admin: true), timeout.Token);

        Assert.Equal(HttpStatusCode.Forbidden, asUser.StatusCode);
        Assert.Equal(HttpStatusCode.OK, asAdmin.StatusCode);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string? token,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await client.SendAsync(request, cancellationToken);
    }
}
