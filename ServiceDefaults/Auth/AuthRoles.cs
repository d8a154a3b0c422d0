namespace ServiceDefaults.Auth;

/// <summary>Values of the <c>role</c> claim the services understand.</summary>
public static class AuthRoles
{
    /// <summary>Operators: <c>/admin/*</c>, <c>/health/detailed</c>, destinations, every event and delivery.</summary>
    public const string Admin = "admin";

    /// <summary>Service identities (and integrations) that may post events to DistributorService, limited to their configured
    /// types.</summary>
    public const string Publisher = "publisher";
}
