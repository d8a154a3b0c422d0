namespace DistributorService.Apis;

/// <summary>Which dead letters to replay: explicit ids, or all of a destination and/or since a time (at least one filter).</summary>
public sealed record ReplayRequest(Guid[]? Ids, Guid? DestinationId, DateTimeOffset? Since);
