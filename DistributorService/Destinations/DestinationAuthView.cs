namespace DistributorService.Destinations;

public sealed record DestinationAuthView(string Type, string? TokenUrl, string? ClientId, string? Scope, bool HasToken,
    bool HasClientSecret);
