namespace ServiceDefaults.Auth;

/// <summary>How a service authenticates to another service.</summary>
public enum ServiceAuthMode
{
    /// <summary>Mint a short-lived token with <c>Auth:SigningKey</c> (development and tests).</summary>
    DevSigningKey,

    /// <summary>Send a configured token (a client-credentials token obtained by the deployment).</summary>
    StaticToken,

    /// <summary>Send no <c>Authorization</c> header.</summary>
    None,
}
