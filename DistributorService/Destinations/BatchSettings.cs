namespace DistributorService.Destinations;

/// <summary>Deliver as a JSON array of up to <c>MaxSize</c> events, sent after <c>MaxWaitMs</c> at the latest.</summary>
public sealed record BatchSettings(int MaxSize, int MaxWaitMs);
