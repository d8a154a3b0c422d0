using Microsoft.Extensions.Options;
using ServiceDefaults.Auth;

namespace EvaluationService.Auth;

public static class ServiceTokenRegistration
{
    /// <summary>Registers <see cref="ServiceTokenProvider"/> and the named <see cref="ServiceAuthOptions"/> of every client, validated at start-up.</summary>
    public static IServiceCollection AddServiceTokens(this IServiceCollection services)
    {
        foreach (var client in new[] { ServiceAuthOptions.Chat, ServiceAuthOptions.Distributor })
        {
            var section = ServiceAuthOptions.SectionFor(client);
            services.AddOptions<ServiceAuthOptions>(client).BindConfiguration(section)
                .Validate<IOptions<JwtOptions>>((o, jwt) => o.Mode != ServiceAuthMode.DevSigningKey || !string.IsNullOrEmpty(jwt.Value.SigningKey),
                    $"{section}:Mode=DevSigningKey needs Auth:SigningKey; in production set Mode=StaticToken with a client-credentials token.")
                .Validate(o => o.Mode != ServiceAuthMode.StaticToken || !string.IsNullOrWhiteSpace(o.Token),
                    $"{section}:Mode=StaticToken needs {section}:Token.")
                .Validate(o => !string.IsNullOrWhiteSpace(o.Subject), $"{section}:Subject must not be empty.")
                .ValidateOnStart();
        }

        return services.AddSingleton<ServiceTokenProvider>();
    }
}
