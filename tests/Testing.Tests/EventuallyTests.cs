namespace Testing.Tests;

public sealed class EventuallyTests
{
    [Fact]
    public async Task Returns_once_the_condition_holds()
    {
        var calls = 0;

        await Eventually.UntilAsync(() => ++calls >= 3, TimeSpan.FromSeconds(10), "third call succeeds");

        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task Throws_a_timeout_naming_the_reason_and_the_last_error()
    {
        var error = await Assert.ThrowsAsync<TimeoutException>(() => Eventually.UntilAsync(
            () => Task.FromException<bool>(new InvalidOperationException("still down")),
            TimeSpan.FromMilliseconds(300), "the dependency comes back"));

        Assert.Contains("the dependency comes back", error.Message, StringComparison.Ordinal);
        Assert.Contains("still down", error.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(error.InnerException);
    }

    [Fact]
    public async Task Abandons_a_hanging_condition_at_the_deadline()
    {
        var never = new TaskCompletionSource<bool>();

        var waiting = Eventually.UntilAsync(() => never.Task, TimeSpan.FromMilliseconds(300), "a hanging probe");

        var error = await Assert.ThrowsAsync<TimeoutException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("a hanging probe", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Returns_the_accepted_value()
    {
        var calls = 0;

        var value = await Eventually.UntilAsync(_ => Task.FromResult(++calls), v => v == 2, TimeSpan.FromSeconds(10), "second value");

        Assert.Equal(2, value);
    }
}
