namespace ServiceDefaults.Health;

public static class HealthTags
{
    /// <summary>Checks that decide readiness (<c>/health</c>, <c>/health/ready</c>).</summary>
    public const string Ready = "ready";

    /// <summary>Liveness: the process only; never a dependency.</summary>
    public const string Live = "live";
}
