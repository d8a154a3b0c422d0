namespace Testing.Tests;

/// <summary>A bound for a whole test, so no test can wait forever.</summary>
internal static class TestBudget
{
    public static CancellationToken Token(int seconds = 60) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;
}
