using Testing;

namespace DistributorService.Tests;

/// <summary>Every operation of the service's OpenAPI document × the bad-input corpus of <see cref="OpenApiBadInput"/>.</summary>
[Collection("dependencies")]
public sealed class OpenApiBadInputTests(DependenciesFixture deps) : IAsyncLifetime
{
    private DistributorApp _app = null!;

    public async Task InitializeAsync() => _app = await DistributorApp.StartAsync(deps);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Every_operation_answers_bad_input_with_a_4xx_problem_and_never_a_5xx()
    {
        // The tests' admin is also a publisher of every type: bad input reaches every handler, not only the authorization check.
        var failures = await OpenApiBadInput.RunAsync(_app.Client.Http, oversizedBodyBytes: 2 * 1024 * 1024, CancellationToken.None);

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
