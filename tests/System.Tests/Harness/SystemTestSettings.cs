namespace SystemTests.Harness;

/// <summary>Switches read from the environment.</summary>
public static class SystemTestSettings
{
    /// <summary><c>SYSTEM_TESTS_FULL=1</c>: every fault-matrix row and the long flows (several minutes).</summary>
    public static bool Full => Environment.GetEnvironmentVariable("SYSTEM_TESTS_FULL") is "1" or "true";
}
