namespace DistributorService.Destinations;

/// <summary>Delay before retry n = min(max, initial × multiplier^(n-1)), with jitter; a <c>Retry-After</c> wins when longer.</summary>
public sealed record BackoffSettings(double InitialSeconds, double Multiplier, double MaxSeconds);
