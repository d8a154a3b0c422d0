using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DistributorService.Destinations;
using Testing;

namespace DistributorService.Tests;

/// <summary>
/// <c>Distributor:Destinations:*</c> durations are TimeSpan options; the API's fields keep their units
/// (<c>timeoutSeconds</c>, <c>backoff.*Seconds</c>, <c>batch.maxWaitMs</c>).
/// </summary>
[Collection("dependencies")]
public sealed class DestinationLimitsTests(DependenciesFixture deps)
{
    private static readonly Uri Never = new("http://127.0.0.1:9/never");

    [Fact]
    public async Task Duration_limits_bound_and_default_the_api_fields_in_their_units()
    {
        await using var app = await DistributorApp.StartAsync(deps, s =>
        {
            s["Distributor:Destinations:DefaultTimeout"] = "00:00:12";
            s["Distributor:Destinations:MaxTimeout"] = "00:00:20";
            s["Distributor:Destinations:DefaultBackoffInitial"] = "00:00:00.500";
            s["Distributor:Destinations:DefaultBackoffMax"] = "00:02:00";
            s["Distributor:Destinations:MaxBatchWait"] = "00:00:02";
        });

        var tooLong = await CreateAsync(app, DistributorClient.Destination(Never, name: "too-long", timeoutSeconds: 21));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.Status);
        Assert.Contains("between 1 and 20", tooLong.Body, StringComparison.Ordinal);
        var longest = await CreateAsync(app, DistributorClient.Destination(Never, name: "longest", timeoutSeconds: 20));
        Assert.Equal(HttpStatusCode.Created, longest.Status);

        var batchTooSlow = await CreateAsync(app,
            DistributorClient.Destination(Never, name: "batch", batch: new BatchSettings(10, 2001)));
        Assert.Equal(HttpStatusCode.BadRequest, batchTooSlow.Status);
        Assert.Contains("maxWaitMs in 1..2000", batchTooSlow.Body, StringComparison.Ordinal);

        // No timeout, no backoff: the defaults, in the API's units.
        var defaults = await CreateAsync(app, DistributorClient.Destination(Never, name: "defaults") with
        {
            TimeoutSeconds = null,
            Backoff = null,
        });
        Assert.Equal(HttpStatusCode.Created, defaults.Status);
        var view = JsonDocument.Parse(defaults.Body).RootElement;
        Assert.Equal(12, view.GetProperty("timeoutSeconds").GetInt32());
        Assert.Equal(0.5, view.GetProperty("backoff").GetProperty("initialSeconds").GetDouble());
        Assert.Equal(120, view.GetProperty("backoff").GetProperty("maxSeconds").GetDouble());
    }

    private static async Task<(HttpStatusCode Status, string Body)> CreateAsync(DistributorApp app, DestinationRequest request)
    {
        using var response = await app.Client.Http.PostAsJsonAsync("/api/destinations", request, JsonSerializerOptions.Web);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
