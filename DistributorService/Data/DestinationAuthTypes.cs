namespace DistributorService.Data;

public static class DestinationAuthTypes
{
    public const string None = "none";
    public const string Bearer = "bearer";
    public const string OAuth2ClientCredentials = "oauth2_client_credentials";

    public static readonly string[] All = [None, Bearer, OAuth2ClientCredentials];
}
