namespace SystemTests.Harness;

/// <summary>A fact that only runs with <c>SYSTEM_TESTS_FULL=1</c> (it would push the default run past its ~4 minute budget).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FullRunFactAttribute : FactAttribute
{
    public FullRunFactAttribute()
    {
        if (!SystemTestSettings.Full)
        {
            Skip = "long case: runs with SYSTEM_TESTS_FULL=1";
        }
    }
}
