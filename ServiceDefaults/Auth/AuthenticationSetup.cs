using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.Tokens;

namespace ServiceDefaults.Auth;

internal static class AuthenticationSetup
{
    /// <summary>JWT bearer for every endpoint (fallback policy); probes opt out with AllowAnonymous.</summary>
    public static void AddDefaultAuthentication(this IHostApplicationBuilder builder)
    {
        var environment = builder.Environment;
        builder.Services.AddOptions<JwtOptions>()
            .Bind(builder.Configuration.GetSection(JwtOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => !o.UsesSigningKey || o.AllowSigningKeyOutsideDevelopment || environment.IsDevelopment(),
                $"Auth:SigningKey (a symmetric development key) is refused in the '{environment.EnvironmentName}' environment: " +
                "set Auth:Authority to your OpenID Connect provider, or Auth:AllowSigningKeyOutsideDevelopment=true to accept it anyway.")
            .ValidateOnStart();
        builder.Services.AddHostedService<SigningKeyWarning>();

        var jwt = builder.Configuration.GetSection(JwtOptions.Section).Get<JwtOptions>() ?? new JwtOptions();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(o =>
            {
                o.MapInboundClaims = false;
                o.RequireHttpsMetadata = jwt.RequireHttpsMetadata && !string.IsNullOrEmpty(jwt.Authority);
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = jwt.Issuer,
                    ValidAudience = jwt.Audience,
                    NameClaimType = "sub",
                    RoleClaimType = "role",
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
                if (!string.IsNullOrEmpty(jwt.Authority))
                {
                    o.Authority = jwt.Authority;
                }
                else if (!string.IsNullOrEmpty(jwt.SigningKey))
                {
                    o.TokenValidationParameters.IssuerSigningKey = DevTokenIssuer.SigningKeyFrom(jwt.SigningKey);
                }

                // Every owned resource is keyed by the caller's subject: a token without one identifies nobody and is not a
                // valid credential here (401), rather than a principal that fails later inside a handler (500).
                o.Events = new JwtBearerEvents
                {
                    OnTokenValidated = context =>
                    {
                        if (!ClaimsPrincipalExtensions.HasUserId(context.Principal))
                        {
                            context.Fail("The token has no 'sub' claim.");
                        }
                        else if (DelegationError(context.Principal, jwt.AllowedActors) is { } refused)
                        {
                            context.Fail(refused);
                        }

                        return Task.CompletedTask;
                    },
                };
            });

        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(AuthPolicies.User, p => p.RequireAuthenticatedUser())
            .AddPolicy(AuthPolicies.Admin, p => p.RequireAuthenticatedUser().RequireRole(AuthRoles.Admin));
    }

    /// <summary>
    /// Why a delegated token (one with an RFC 8693 <c>act</c> claim) is refused, or null when the token is not delegated or its
    /// actor is allowed. A delegated token gives the actor the user's rights only, so it may carry no role.
    /// </summary>
    internal static string? DelegationError(System.Security.Claims.ClaimsPrincipal principal, IReadOnlyCollection<string> allowedActors)
    {
        var act = principal.FindAll(DevTokenIssuer.ActorClaim).ToList();
        if (act.Count == 0)
        {
            return null;
        }

        if (act.Count > 1 || DevTokenIssuer.ActorOf(act[0].Value) is not { } actor)
        {
            return "The token's 'act' claim names no actor.";
        }

        if (!allowedActors.Contains(actor, StringComparer.Ordinal))
        {
            return $"The actor '{actor}' may not act for users here (Auth:AllowedActors).";
        }

        return principal.HasClaim(c => c.Type == "role") ? "A delegated token may carry no role." : null;
    }
}
