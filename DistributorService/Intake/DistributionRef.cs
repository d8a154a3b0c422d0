namespace DistributorService.Intake;

public sealed record DistributionRef(Guid Id, Guid DestinationId);
