using System.Globalization;
using ServiceDefaults.Auth;

namespace DistributorService.Tests;

/// <summary>Configuration of a service instance under test: real dependencies, short budgets, loopback allowed by allow-list
/// only.</summary>
internal static class TestSettings
{
    public const string SigningKey = "distributor-tests-signing-key-0123456789-abcdef";
    public const string EncryptionKey = "dGVzdHMtb25seS1lbmNyeXB0aW9uLWtleS0zMmJ5dGU=";

    public static Dictionary<string, string?> For(string postgres, string redis, string serviceName) => new()
    {
        ["ConnectionStrings:distdb"] = postgres,
        ["ConnectionStrings:redis"] = redis,
        ["Auth:SigningKey"] = SigningKey,
        ["Auth:AllowSigningKeyOutsideDevelopment"] = "true", // the "Testing" environment
        ["Logging:PlainConsole"] = "true",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:DistributorService"] = "Information",
        ["Distributor:Secrets:EncryptionKey"] = EncryptionKey,
        // The tests' admin also publishes, any type; the publisher-model tests configure their own publishers.
        [$"Distributor:Publishers:{AdminSubject}:EventTypes:0"] = "*",
        ["Distributor:Ssrf:AllowPrivateNetworks"] = "false",
        ["Distributor:Ssrf:AllowedHosts:0"] = "127.0.0.1",
        ["Distributor:Breaker:MinimumThroughput"] = "4",
        ["Distributor:Breaker:FailureRatio"] = "0.5",
        ["Distributor:Breaker:SamplingDuration"] = "00:00:10",
        ["Distributor:Breaker:BreakDuration"] = "00:01:00",
        ["Distributor:Health:Interval"] = "01:00:00",
        ["Distributor:Health:GaugeRefreshInterval"] = "00:00:01",
        ["Distributor:Delivery:Workers"] = "8",
        ["Distributor:Delivery:PermitWait"] = "00:00:05",
        ["Distributor:Delivery:JobTimeoutMargin"] = "00:00:10",
        ["Distributor:Delivery:MaxInlineBackoff"] = "00:00:05",
        ["Jobs:ServiceName"] = serviceName,
        ["Jobs:SweepInterval"] = "00:00:00.200",
        ["Jobs:RedispatchAfter"] = "00:00:01",
        ["Jobs:ClaimIdleThreshold"] = "00:00:01",
        ["Jobs:AutoClaimInterval"] = "00:00:00.500",
        ["Jobs:IdlePollInterval"] = "00:00:00.100",
        ["Jobs:FallbackPollInterval"] = "00:00:00.100",
        ["Jobs:RedisRetryInterval"] = "00:00:00.500",
        ["Jobs:Queues:deliveries:RetryInitialDelay"] = "00:00:00.020",
        ["Jobs:Queues:deliveries:RetryMaxDelay"] = "00:00:00.200",
        ["Jobs:Queues:deliveries:LeaseDuration"] = "00:00:02",
        ["Jobs:Queues:deliveries:HeartbeatInterval"] = "00:00:00.500",
    };

    public const string AdminSubject = "test-admin";

    public static string AdminToken() => Token(AdminSubject, AuthRoles.Admin, AuthRoles.Publisher);

    /// <summary>A token for <paramref name="subject"/> with exactly <paramref name="roles"/>.</summary>
    public static string Token(string subject, params string[] roles) =>
        DevTokenIssuer.Mint(SigningKey, subject, roles, "aspire-chat-dev", ServiceAudiences.Distributor, TimeSpan.FromHours(1));

    public static string Seconds(double value) => value.ToString(CultureInfo.InvariantCulture);
}
