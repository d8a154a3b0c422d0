using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ServiceDefaults.Auth;

/// <summary>Logs a warning at start when the symmetric development key is accepted outside Development.</summary>
internal sealed partial class SigningKeyWarning(IOptions<JwtOptions> jwt, IHostEnvironment environment, ILogger<SigningKeyWarning> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (jwt.Value.UsesSigningKey && !environment.IsDevelopment())
        {
            LogSigningKeyAccepted(logger, environment.EnvironmentName);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "Tokens are validated with the symmetric development key Auth:SigningKey in the '{Environment}' environment " +
        "(Auth:AllowSigningKeyOutsideDevelopment=true): anyone holding the key can mint any identity. Use Auth:Authority in production.")]
    private static partial void LogSigningKeyAccepted(ILogger logger, string environment);
}
