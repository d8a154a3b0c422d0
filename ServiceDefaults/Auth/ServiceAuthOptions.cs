namespace ServiceDefaults.Auth;

/// <summary>
/// The token a service presents to one downstream service: a named options instance per client, bound from the section the
/// service registers it with (e.g. <c>Evaluation:ChatAuth</c>, <c>Events:DistributorAuth</c>). <c>DevSigningKey</c> mints a
/// short-lived token with <c>Auth:SigningKey</c>; <c>StaticToken</c> sends <see cref="Token"/>; <c>None</c> sends nothing.
/// Unset values take the client's registered defaults (<see cref="ServiceTokenDefaults"/>).
/// </summary>
public sealed class ServiceAuthOptions
{
    public ServiceAuthMode Mode { get; set; } = ServiceAuthMode.DevSigningKey;

    public string? Token { get; set; }

    /// <summary>Lifetime of a minted token; a delegated one (acting for a user) should stay short.</summary>
    public TimeSpan? TokenLifetime { get; set; }

    /// <summary>The calling service's own identity: <c>sub</c> of its tokens, <c>act.sub</c> of the tokens it mints for a user.</summary>
    public string? Subject { get; set; }

    /// <summary>The called service's audience (its <c>Auth:Audience</c>).</summary>
    public string? Audience { get; set; }

    /// <summary><c>role</c> claims of a token minted as the service itself: only the rights the call needs.</summary>
    public string[]? Roles { get; set; }
}
