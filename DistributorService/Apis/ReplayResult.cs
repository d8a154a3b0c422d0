namespace DistributorService.Apis;

public sealed record ReplayResult(int Replayed, IReadOnlyList<Guid> DistributionIds);
