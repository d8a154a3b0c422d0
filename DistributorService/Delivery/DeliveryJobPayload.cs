namespace DistributorService.Delivery;

/// <summary>
/// Payload of a job on the <c>deliveries</c> queue. <see cref="DestinationId"/> (absent in jobs of older versions) lets a worker
/// defer the job before claiming it when the destination's share of the workers is taken.
/// </summary>
public sealed record DeliveryJobPayload(Guid DistributionId, Guid? DestinationId = null)
{
    public const string Queue = "deliveries";
}
