namespace DistributorService.Delivery;

/// <summary>Payload of a job on the <c>deliveries</c> queue.</summary>
public sealed record DeliveryJobPayload(Guid DistributionId)
{
    public const string Queue = "deliveries";
}
