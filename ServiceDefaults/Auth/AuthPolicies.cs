namespace ServiceDefaults.Auth;

/// <summary>Authorization policy names shared by every service.</summary>
public static class AuthPolicies
{
    /// <summary>Requires the <c>admin</c> role: <c>/admin/*</c> and <c>/health/detailed</c>.</summary>
    public const string Admin = "admin";

    /// <summary>Any authenticated caller.</summary>
    public const string User = "user";
}
