using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ServiceDefaults.Auth;

namespace ServiceDefaults.Tests;

/// <summary>Issue 15: one audience per service, and delegated tokens (RFC 8693 <c>act</c>) only from allowed actors.</summary>
public sealed class AudienceAndDelegationTests
{
    private static readonly Dictionary<string, string?> AllowsEvaluation = new() { ["Auth:AllowedActors:0"] = "evaluationservice" };

    private static void MapWhoAmI(WebApplication app) =>
        app.MapGet("/api/me", (ClaimsPrincipal user) => TypedResults.Ok(new { sub = user.GetUserId(), admin = user.IsAdmin() }));

    private static async Task<HttpResponseMessage> GetAsync(TestApp app, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", token);
        return await app.Client.SendAsync(request);
    }

    private static string Token(string audience, string user = "alice", bool admin = false) =>
        DevTokenIssuer.Mint(TestApp.SigningKey, user, admin, "aspire-chat-dev", audience, TimeSpan.FromMinutes(5));

    [Fact]
    public async Task A_token_for_another_service_is_401_and_one_listing_this_service_among_others_is_accepted()
    {
        await using var app = await TestApp.StartAsync(map: MapWhoAmI);

        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(app, "/api/me", Token(ServiceAudiences.Distributor))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await GetAsync(app, "/admin/circuit-breakers", Token(ServiceAudiences.Chat, "ops", admin: true))).StatusCode);
        var several = DevTokenIssuer.Mint(TestApp.SigningKey, [new Claim("sub", "alice")], "aspire-chat-dev",
            [ServiceAudiences.Chat, TestApp.Audience], TimeSpan.FromMinutes(5));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(app, "/api/me", several)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(app, "/api/me", Token(TestApp.Audience))).StatusCode);
    }

    [Fact]
    public async Task A_service_without_its_own_audience_does_not_start()
    {
        await using var app = TestApp.Build(settings: new Dictionary<string, string?> { ["Auth:Audience"] = "" });

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("Audience", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_delegated_token_from_an_allowed_actor_acts_as_the_user()
    {
        await using var app = await TestApp.StartAsync(map: MapWhoAmI, settings: AllowsEvaluation);
        var delegated = DevTokenIssuer.MintDelegated(TestApp.SigningKey, "alice", "evaluationservice", "aspire-chat-dev", TestApp.Audience,
            TimeSpan.FromMinutes(5));

        using var response = await GetAsync(app, "/api/me", delegated);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"sub\":\"alice\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mallory-service")]
    [InlineData("")]
    public async Task A_delegated_token_from_an_actor_not_allowed_is_401(string actor)
    {
        await using var app = await TestApp.StartAsync(map: MapWhoAmI, settings: AllowsEvaluation);
        var delegated = DevTokenIssuer.Mint(TestApp.SigningKey, [new Claim("sub", "alice")], "aspire-chat-dev", [TestApp.Audience],
            TimeSpan.FromMinutes(5), new Dictionary<string, object> { ["act"] = new Dictionary<string, object> { ["sub"] = actor } });

        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(app, "/api/me", delegated)).StatusCode);
    }

    [Fact]
    public async Task Without_allowed_actors_no_delegated_token_is_accepted()
    {
        await using var app = await TestApp.StartAsync(map: MapWhoAmI);
        var delegated = DevTokenIssuer.MintDelegated(TestApp.SigningKey, "alice", "evaluationservice", "aspire-chat-dev", TestApp.Audience,
            TimeSpan.FromMinutes(5));

        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(app, "/api/me", delegated)).StatusCode);
    }

    [Fact]
    public async Task A_delegated_token_carrying_a_role_is_401_so_an_actor_cannot_make_itself_admin()
    {
        await using var app = await TestApp.StartAsync(map: MapWhoAmI, settings: AllowsEvaluation);
        var delegated = DevTokenIssuer.Mint(TestApp.SigningKey, [new Claim("sub", "alice"), new Claim("role", AuthRoles.Admin)],
            "aspire-chat-dev", [TestApp.Audience], TimeSpan.FromMinutes(5),
            new Dictionary<string, object> { ["act"] = new Dictionary<string, object> { ["sub"] = "evaluationservice" } });

        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(app, "/admin/circuit-breakers", delegated)).StatusCode);
    }
}
