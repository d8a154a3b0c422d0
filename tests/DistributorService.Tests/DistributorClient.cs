using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DistributorService.Apis;
using DistributorService.Destinations;
using DistributorService.Intake;
using Testing;

namespace DistributorService.Tests;

/// <summary>Typed calls to the service's API with an admin token.</summary>
internal sealed class DistributorClient
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    public DistributorClient(HttpClient http)
    {
        Http = http;
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestSettings.AdminToken());
    }

    public HttpClient Http { get; }

    public static DestinationRequest Destination(Uri url, string name = "sink", string[]? eventTypes = null, int timeoutSeconds = 5,
        int maxAttempts = 5, BackoffSettings? backoff = null, int maxConcurrency = 8, string? signingSecret = null,
        DestinationAuthRequest? auth = null, BatchSettings? batch = null) =>
        new(name, url.ToString(), eventTypes ?? ["*"], true, auth, signingSecret, timeoutSeconds, maxAttempts,
            backoff ?? new BackoffSettings(0.02, 2, 0.1), maxConcurrency, null, batch, null);

    public async Task<DestinationView> CreateDestinationAsync(DestinationRequest request)
    {
        using var response = await Http.PostAsJsonAsync("/api/destinations", request, Json);
        await EnsureAsync(response, HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<DestinationView>(Json))!;
    }

    public async Task<EventAccepted> PostEventAsync(string type, object payload, string? idempotencyKey = null)
    {
        using var response = await SendEventAsync(type, payload, idempotencyKey);
        await EnsureAsync(response, HttpStatusCode.Accepted);
        return (await response.Content.ReadFromJsonAsync<EventAccepted>(Json))!;
    }

    public async Task<HttpResponseMessage> SendEventAsync(string type, object payload, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/events")
        {
            Content = JsonContent.Create(new { type, payload }, options: Json),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await Http.SendAsync(request);
    }

    public async Task<DistributionView> GetDistributionAsync(Guid id) =>
        (await Http.GetFromJsonAsync<DistributionView>($"/api/distributions/{id}", Json))!;

    public async Task<DistributionView> WaitForStatusAsync(Guid distributionId, string status, TimeSpan timeout) =>
        await Eventually.UntilAsync(_ => GetDistributionAsync(distributionId), d => d.Status == status, timeout,
            $"distribution {distributionId} should become {status}");

    private static async Task EnsureAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
        {
            throw new HttpRequestException($"Expected {(int)expected}, got {(int)response.StatusCode}: " +
                $"{await response.Content.ReadAsStringAsync()}");
        }
    }
}
