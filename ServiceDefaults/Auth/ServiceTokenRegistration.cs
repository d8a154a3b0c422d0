using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ServiceDefaults.Auth;

public static class ServiceTokenRegistration
{
    /// <summary>
    /// Registers the named <see cref="ServiceAuthOptions"/> of one downstream <paramref name="client"/>, bound from
    /// <see cref="ServiceTokenDefaults.Section"/> with <paramref name="defaults"/> for what it leaves unset and validated at
    /// start-up, and the shared <see cref="ServiceTokenProvider"/>.
    /// </summary>
    public static IServiceCollection AddServiceToken(this IServiceCollection services, string client, ServiceTokenDefaults defaults)
    {
        var section = defaults.Section;
        services.AddOptions<ServiceAuthOptions>(client).BindConfiguration(section)
            .PostConfigure(o =>
            {
                o.Subject ??= defaults.Subject;
                o.Audience ??= defaults.Audience;
                o.Roles ??= defaults.Roles;
                o.TokenLifetime ??= defaults.Lifetime;
            })
            .Validate<IOptions<JwtOptions>>((o, jwt) => o.Mode != ServiceAuthMode.DevSigningKey
                || !string.IsNullOrEmpty(jwt.Value.SigningKey),
                $"{section}:Mode=DevSigningKey needs Auth:SigningKey; in production set Mode=StaticToken with a client-credentials token.")
            .Validate(o => o.Mode != ServiceAuthMode.StaticToken || !string.IsNullOrWhiteSpace(o.Token),
                $"{section}:Mode=StaticToken needs {section}:Token.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.Subject), $"{section}:Subject must not be empty.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.Audience), $"{section}:Audience must not be empty.")
            .Validate(o => o.TokenLifetime > TimeSpan.Zero && o.TokenLifetime <= TimeSpan.FromHours(24),
                $"{section}:TokenLifetime must be between 00:00:01 and 1.00:00:00.")
            .ValidateOnStart();
        services.TryAddSingleton<ServiceTokenProvider>();
        return services;
    }
}
