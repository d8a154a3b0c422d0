namespace DurableJobs;

/// <summary>A job request that breaks the queue's limits; APIs answer it with 400 VALIDATION_FAILED.</summary>
public sealed class JobValidationException(string message) : Exception(message);
