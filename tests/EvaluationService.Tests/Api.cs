using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EvaluationService.Apis;
using EvaluationService.Data;
using EvaluationService.Reports;
using Testing;

namespace EvaluationService.Tests;

/// <summary>Small typed calls of the EvaluationService API used by the tests.</summary>
public static class Api
{
    public static async Task<SuiteView> CreateSuiteAsync(this HttpClient client, string name, params CaseInput[] cases)
    {
        var response = await client.PostAsJsonAsync("/api/suites", new CreateSuiteRequest(name, null, cases));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<SuiteView>(JsonSerializerOptions.Web))!;
    }

    public static async Task<RunView> StartRunAsync(this HttpClient client, CreateEvaluationRequest request, string? idempotencyKey = null)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/evaluations") { Content = JsonContent.Create(request) };
        if (idempotencyKey is not null)
        {
            message.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        var response = await client.SendAsync(message);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var run = (await response.Content.ReadFromJsonAsync<RunView>(JsonSerializerOptions.Web))!;
        Assert.Equal($"/api/evaluations/{run.Id}", response.Headers.Location?.OriginalString);
        return run;
    }

    public static async Task<RunView> GetRunAsync(this HttpClient client, Guid id) =>
        (await client.GetFromJsonAsync<RunView>($"/api/evaluations/{id}", JsonSerializerOptions.Web))!;

    public static Task<RunView> WaitForRunAsync(this HttpClient client, Guid id, Func<RunView, bool> condition, TimeSpan timeout,
        string because) =>
        Eventually.UntilAsync(_ => client.GetRunAsync(id), condition, timeout, because);

    public static Task<RunView> WaitUntilEndedAsync(this HttpClient client, Guid id, TimeSpan timeout) =>
        client.WaitForRunAsync(id, r => RunStatus.IsTerminal(r.Status), timeout, $"run {id} should end");

    public static async Task<EvaluationReport> GetReportAsync(this HttpClient client, Guid id) =>
        (await client.GetFromJsonAsync<EvaluationReport>($"/api/evaluations/{id}/report", JsonSerializerOptions.Web))!;
}
