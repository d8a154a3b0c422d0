namespace DistributorService.Intake;

/// <summary>The 202 answer of <c>POST /api/events</c> (also returned again for a repeated idempotency key).</summary>
public sealed record EventAccepted(Guid EventId, IReadOnlyList<DistributionRef> Distributions);
