namespace ServiceDefaults.Auth;

/// <summary>What a client's <see cref="ServiceAuthOptions"/> default to when its section leaves them unset.</summary>
/// <param name="Section">The configuration section of the client's options (named in validation messages).</param>
/// <param name="Subject">The calling service's identity.</param>
/// <param name="Audience">The called service's audience.</param>
/// <param name="Roles">Roles of a token minted as the service itself.</param>
/// <param name="Lifetime">Lifetime of a minted token.</param>
public sealed record ServiceTokenDefaults(string Section, string Subject, string Audience, string[] Roles, TimeSpan Lifetime);
