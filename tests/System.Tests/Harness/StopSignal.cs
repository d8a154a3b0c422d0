namespace SystemTests.Harness;

/// <summary>How a test stops a service process mid-work.</summary>
public enum StopSignal
{
    /// <summary>SIGKILL: no shutdown, leases are left to expire (a crash).</summary>
    Kill,

    /// <summary>SIGTERM: graceful shutdown within <c>ServiceDefaults:ShutdownTimeout</c>, leases released.</summary>
    Terminate,
}
