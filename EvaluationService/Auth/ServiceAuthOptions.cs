namespace EvaluationService.Auth;

/// <summary>
/// The token EvaluationService presents to one downstream service; a named options instance per client:
/// <see cref="Chat"/> (section <c>Evaluation:ChatAuth</c>) and <see cref="Distributor"/> (section <c>Evaluation:DistributorAuth</c>).
/// <c>DevSigningKey</c> mints a short-lived token with <c>Auth:SigningKey</c>; <c>StaticToken</c> sends <see cref="Token"/>;
/// <c>None</c> sends nothing.
/// </summary>
public sealed class ServiceAuthOptions
{
    /// <summary>Calls to ChatService, made on behalf of the run's owner (the minted token's subject is the owner).</summary>
    public const string Chat = "chat";

    /// <summary>Calls to DistributorService, made as the service itself (the minted token's subject is <see cref="Subject"/>).</summary>
    public const string Distributor = "distributor";

    public ServiceAuthMode Mode { get; set; } = ServiceAuthMode.DevSigningKey;

    public string? Token { get; set; }

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Subject of a minted token when the call is not made on behalf of a user.</summary>
    public string Subject { get; set; } = "evaluationservice";

    /// <summary>
    /// <c>role</c> claims of a minted token: only the rights the call needs. Unset: <c>publisher</c> for DistributorService
    /// (posting <c>evaluation.*</c> events, which its <c>Distributor:Publishers</c> grants to <c>evaluationservice</c>), none
    /// for ChatService (calls made as the run's owner, with that user's rights only).
    /// </summary>
    public string[]? Roles { get; set; }

    public static string SectionFor(string client) => client switch
    {
        Chat => "Evaluation:ChatAuth",
        Distributor => "Evaluation:DistributorAuth",
        _ => throw new ArgumentOutOfRangeException(nameof(client), client, "Unknown downstream client."),
    };
}
