namespace DistributorService.Intake;

/// <summary>What intake did: <see cref="Created"/> is false when the idempotency key was seen before.</summary>
public sealed record IntakeResult(EventAccepted Answer, bool Created);
