using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ServiceDefaults.Tests;

public sealed class AuthTests
{
    private static void MapApi(WebApplication app) => app.MapGet("/api/things", () => TypedResults.Ok(new[] { "a" }));

    [Fact]
    public async Task Api_without_token_is_401_and_probes_are_anonymous()
    {
        await using var app = await TestApp.StartAsync(map: MapApi);

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.GetAsync("/api/things")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/alive")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Request(HttpMethod.Get, "/api/things"))).StatusCode);
    }

    [Theory]
    [InlineData("/admin/circuit-breakers")]
    [InlineData("/health/detailed")]
    public async Task Admin_routes_are_403_for_a_user_without_the_admin_role(string path)
    {
        await using var app = await TestApp.StartAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.Client.SendAsync(app.Request(HttpMethod.Get, path))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Request(HttpMethod.Get, path, admin: true))).StatusCode);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_rejected()
    {
        await using var app = await TestApp.StartAsync(map: MapApi);
        var forged = ServiceDefaults.Auth.DevTokenIssuer.Mint("another-key-entirely-0123456789-0123456789", "mallory", true,
            "aspire-chat-dev", "aspire-chat", TimeSpan.FromMinutes(5));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/things");
        request.Headers.Authorization = new("Bearer", forged);

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.SendAsync(request)).StatusCode);
    }
}
