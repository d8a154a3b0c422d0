using System.Net;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceDefaults.Auth;
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
            "aspire-chat-dev", TestApp.Audience, TimeSpan.FromMinutes(5));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/things");
        request.Headers.Authorization = new("Bearer", forged);

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.SendAsync(request)).StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task A_token_without_a_subject_is_401(string? subject)
    {
        await using var app = await TestApp.StartAsync(map: MapApi);
        var claims = new List<Claim> { new("name", "nobody"), new("role", "admin") };
        if (subject is not null)
        {
            claims.Add(new Claim("sub", subject));
        }

        var token = DevTokenIssuer.Mint(TestApp.SigningKey, claims, "aspire-chat-dev", TestApp.Audience, TimeSpan.FromMinutes(5));
        foreach (var path in new[] { "/api/things", "/admin/circuit-breakers" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new("Bearer", token);
            var response = await app.Client.SendAsync(request);

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("UNAUTHORIZED", problem.GetProperty("code").GetString());
        }
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    [InlineData("Testing")]
    public async Task The_symmetric_signing_key_is_refused_outside_development(string environment)
    {
        await using var app = TestApp.Build(map: MapApi, environment: environment);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("Auth:AllowSigningKeyOutsideDevelopment", error.Message, StringComparison.Ordinal);
        Assert.Contains(environment, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_signing_key_allowed_outside_development_is_logged_as_a_warning()
    {
        var logs = new CapturingLoggerProvider();
        await using var app = await TestApp.StartAsync(b => b.Logging.AddProvider(logs), MapApi,
            new Dictionary<string, string?> { ["Auth:AllowSigningKeyOutsideDevelopment"] = "true" }, environment: "Production");

        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning
            && e.Message.Contains("Auth:AllowSigningKeyOutsideDevelopment", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Request(HttpMethod.Get, "/api/things"))).StatusCode);
    }

    [Fact]
    public async Task The_signing_key_in_development_starts_without_a_warning()
    {
        var logs = new CapturingLoggerProvider();
        await using var app = await TestApp.StartAsync(b => b.Logging.AddProvider(logs), MapApi);

        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("Auth:AllowSigningKeyOutsideDevelopment", StringComparison.Ordinal));
    }
}
