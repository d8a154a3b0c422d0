namespace TestDoubles.Tests;

/// <summary>Bounds every test so a regression shows up as a failure, never as a hung run.</summary>
internal static class TestBudget
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    public static CancellationTokenSource Start() => new(Deadline);
}
