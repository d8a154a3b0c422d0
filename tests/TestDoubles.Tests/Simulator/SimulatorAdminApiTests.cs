using System.Net;
using System.Net.Http.Json;
using OllamaSimulator;

namespace TestDoubles.Tests.Simulator;

public sealed class SimulatorAdminApiTests
{
    private static StringContent Chat() =>
        new("{\"model\":\"llama3.2\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"Hi?\"}]}");

    [Fact]
    public async Task Faults_set_over_http_apply_and_reset_clears_them_and_the_counters()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var http = new HttpClient { BaseAddress = simulator.BaseAddress };

        using var set = await http.PostAsJsonAsync(
            "_sim/faults", new { chat = new { errorStatus = 503, errorMessage = "overloaded" } }, budget.Token);
        using var failed = await http.PostAsync("api/chat", Chat(), budget.Token);
        var stats = await http.GetFromJsonAsync<SimulatorStats>("_sim/stats", budget.Token);
        using var reset = await http.PostAsync("_sim/reset", null, budget.Token);
        using var succeeded = await http.PostAsync("api/chat", Chat(), budget.Token);

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal("{\"error\":\"overloaded\"}", await failed.Content.ReadAsStringAsync(budget.Token));
        Assert.Equal(1, stats!.ChatRequests);
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Equal(HttpStatusCode.OK, succeeded.StatusCode);
        Assert.Equal(1, simulator.ChatRequests);
    }

    [Fact]
    public async Task Invalid_fault_settings_are_refused()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var http = new HttpClient { BaseAddress = simulator.BaseAddress };

        using var response = await http.PostAsJsonAsync("_sim/faults", new { all = new { tokenDelayMs = -1 } }, budget.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(FaultSettings.None, simulator.Faults.Chat);
    }

    [Fact]
    public async Task Received_requests_are_listed_over_http()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var http = new HttpClient { BaseAddress = simulator.BaseAddress };

        using var chat = await http.PostAsync("api/chat", Chat(), budget.Token);
        var requests = await http.GetFromJsonAsync<List<ReceivedRequest>>("_sim/requests", budget.Token);

        var request = Assert.Single(requests!);
        Assert.Equal("llama3.2", request.Model);
        Assert.Equal("Hi?", request.LastUserMessage);
    }
}
