using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EvaluationService.Tests.Fakes;
using Testing;

namespace EvaluationService.Tests;

/// <summary>
/// The job admin API comes with the shared defaults (<c>MapDefaultEndpoints</c>) to every service that runs queues:
/// EvaluationService had none (404 for an admin).
/// </summary>
[Collection("dependencies")]
public sealed class JobsAdminTests(DependenciesFixture dependencies) : IAsyncLifetime
{
    private FakeChatService _chat = null!;
    private EvaluationApp _app = null!;

    public async Task InitializeAsync()
    {
        _chat = await FakeChatService.StartAsync();
        _app = EvaluationApp.Start(await EvaluationApp.CreateEnvironmentAsync(dependencies), _chat.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _chat.DisposeAsync();
    }

    [Fact]
    public async Task Queues_and_workers_are_listed_for_an_admin_and_refused_to_a_user()
    {
        var admin = _app.ClientFor("ops", admin: true);

        var queues = await admin.GetFromJsonAsync<JsonElement>("/admin/queues");
        var names = queues.EnumerateArray().Select(q => q.GetProperty("queue").GetString()).ToList();
        Assert.Contains("evaluations", names);
        Assert.Contains("suite-generation", names);
        using var workers = await admin.GetAsync("/admin/workers");
        Assert.Equal(HttpStatusCode.OK, workers.StatusCode);
        using var deadLetters = await admin.GetAsync("/admin/queues/evaluations/dead-letters");
        Assert.Equal(HttpStatusCode.OK, deadLetters.StatusCode);

        using var user = await _app.ClientFor("alice").GetAsync("/admin/queues");
        Assert.Equal(HttpStatusCode.Forbidden, user.StatusCode);
    }
}
