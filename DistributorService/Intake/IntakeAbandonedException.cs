namespace DistributorService.Intake;

/// <summary>The caller stopped waiting (intake budget or client gone) before the commit; the event was rolled back.</summary>
public sealed class IntakeAbandonedException() : Exception("The intake was abandoned before its commit; nothing was stored.");
