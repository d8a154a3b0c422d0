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
        builder.Services.AddOptions<JwtOptions>()
            .Bind(builder.Configuration.GetSection(JwtOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();

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
            });

        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(AuthPolicies.User, p => p.RequireAuthenticatedUser())
            .AddPolicy(AuthPolicies.Admin, p => p.RequireAuthenticatedUser().RequireRole("admin"));
    }
}
