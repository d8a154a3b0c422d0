namespace DistributorService.Destinations;

/// <summary>How deliveries authenticate: <c>none</c>, <c>bearer</c> (token) or <c>oauth2_client_credentials</c>.</summary>
public sealed record DestinationAuthRequest(
    string? Type,
    string? Token,
    string? TokenUrl,
    string? ClientId,
    string? ClientSecret,
    string? Scope);
