namespace DistributorService.Destinations;

public sealed record DestinationHealthView(string Status, DateTimeOffset? LastCheckAt, DateTimeOffset? UnhealthySince);
