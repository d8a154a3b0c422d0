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

                        return Task.CompletedTask;
                    },
                };
            });

        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(AuthPolicies.User, p => p.RequireAuthenticatedUser())
            .AddPolicy(AuthPolicies.Admin, p => p.RequireAuthenticatedUser().RequireRole(AuthRoles.Admin));
    }
}
