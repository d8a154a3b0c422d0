namespace SystemTests.Faults;

/// <summary>What a service's <c>/health/ready</c> must say while the fault holds.</summary>
public enum Readiness
{
    /// <summary>200 throughout: the fault does not concern this service.</summary>
    Unaffected,

    /// <summary>200 throughout; the checks stay fast (the dependency is slow, not gone). Any status text.</summary>
    Up,

    /// <summary>200 throughout and, within the detection bound, <c>"status":"Degraded"</c>.</summary>
    Degraded,

    /// <summary>Within the detection bound, 503 (liveness stays 200).</summary>
    NotReady,
}
