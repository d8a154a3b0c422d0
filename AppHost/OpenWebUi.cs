using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AppHost;

/// <summary>
/// Containers mode only: Open WebUI (a browser chat UI) pointed at ChatService's OpenAI-compatible API (<c>/v1</c>).
/// Open WebUI sends one API key for all its users, so ChatService sees one caller, <c>open-webui</c>: documents uploaded
/// on ChatService's own page by other users are not visible through it. In run mode the key is a ChatService token the
/// AppHost mints with the development signing key (30 days); when publishing it is the secret parameter
/// <c>open-webui-api-key</c> (a token your identity provider issues for ChatService's audience).
/// </summary>
internal static class OpenWebUi
{
    /// <summary>Pinned: Open WebUI's settings (environment variables) change between minor versions.</summary>
    public const string Image = "open-webui/open-webui";
    public const string ImageTag = "v0.6.18";
    public const string Subject = "open-webui";

    public static void Add(
        IDistributedApplicationBuilder builder,
        IResourceBuilder<ProjectResource> chatService,
        IResourceBuilder<ParameterResource> signingKey,
        IResourceBuilder<ParameterResource> issuer,
        IResourceBuilder<ParameterResource> chatAudience)
    {
        var webUi = builder.AddContainer("open-webui", Image, ImageTag)
            .WithImageRegistry("ghcr.io")
            .WithHttpEndpoint(targetPort: 8080, name: "http")
            .WithHttpHealthCheck("/health", endpointName: "http")
            .WithExternalHttpEndpoints()
            // why: ChatService is the only model backend; Open WebUI's own Ollama connection would bypass its budgets
            .WithEnvironment("ENABLE_OLLAMA_API", "false")
            .WithEnvironment("ENABLE_OPENAI_API", "true")
            .WithEnvironment("OPENAI_API_BASE_URL", ReferenceExpression.Create($"{chatService.GetEndpoint("http")}/v1"))
            .WaitFor(chatService);
        webUi = webUi.WithVolume(VolumeNameGenerator.Generate(webUi, "data"), "/app/backend/data");

        if (builder.ExecutionContext.IsPublishMode)
        {
            var apiKey = builder.AddParameter("open-webui-api-key", secret: true);
            webUi.WithEnvironment("OPENAI_API_KEY", apiKey);
            return;
        }

        webUi.WithEnvironment(async context =>
        {
            var key = await signingKey.Resource.GetValueAsync(context.CancellationToken);
            var iss = await issuer.Resource.GetValueAsync(context.CancellationToken);
            var aud = await chatAudience.Resource.GetValueAsync(context.CancellationToken);
            context.EnvironmentVariables["OPENAI_API_KEY"] = Mint(key!, iss!, aud!, TimeSpan.FromDays(30));
        });
    }

    /// <summary>An HS256 token for <see cref="Subject"/>, signed the way ServiceDefaults validates the development key.</summary>
    internal static string Mint(string signingKey, string issuer, string audience, TimeSpan lifetime)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim("sub", Subject), new Claim("name", "Open WebUI")]),
            Issuer = issuer,
            Audience = audience,
            NotBefore = now.AddMinutes(-1),
            IssuedAt = now,
            Expires = now.Add(lifetime),
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(signingKey)), SecurityAlgorithms.HmacSha256),
        });
    }
}
