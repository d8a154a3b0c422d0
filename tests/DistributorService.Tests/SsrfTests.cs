using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using DistributorService.Data;
using DistributorService.Delivery;
using DistributorService.Destinations;
using Microsoft.Extensions.Configuration;
using Testing;

namespace DistributorService.Tests;

/// <summary>The SSRF guard: metadata first and always, IPv6 forms that embed an IPv4 address, allow-lists that do not skip
/// checks.</summary>
[Collection("dependencies")]
public sealed class SsrfTests(DependenciesFixture deps) : IAsyncLifetime
{
    private DistributorApp _app = null!;

    public async Task InitializeAsync() => _app = await DistributorApp.StartAsync(deps);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>Private networks off (the test settings allow-list only 127.0.0.1 itself).</summary>
    [Theory]
    [InlineData("http://[::127.0.0.1]/hook")]
    [InlineData("http://[::7f00:2]/hook")]
    [InlineData("http://[64:ff9b::7f00:1]/hook")]
    [InlineData("http://[64:ff9b::a9fe:a9fe]/latest/meta-data")]
    [InlineData("http://[::a9fe:a9fe]/")]
    [InlineData("http://[64:ff9b::a00:1]/hook")]
    [InlineData("http://[64:ff9b:1::1]/hook")]
    [InlineData("http://[2002:7f00:1::1]/hook")]
    [InlineData("http://[2002:a9fe:a9fe::]/latest/meta-data")]
    [InlineData("http://100.64.0.1/hook")]
    [InlineData("http://[::ffff:169.254.169.254]/")]
    [InlineData("http://metadata.google.internal./computeMetadata/v1/")]
    public async Task Ipv6_forms_embedding_internal_or_metadata_addresses_are_refused(string url)
    {
        using var response = await _app.Client.Http.PostAsJsonAsync("/api/destinations",
            DistributorClient.Destination(new Uri(url)), JsonSerializerOptions.Web);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("VALIDATION_FAILED", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_allow_list_never_opens_a_metadata_address_and_allow_listed_names_are_still_checked()
    {
        await using var open = await DistributorApp.StartAsync(deps, s =>
        {
            s["Distributor:Ssrf:AllowPrivateNetworks"] = "true";
            s["Distributor:Ssrf:AllowedHosts:1"] = "169.254.0.0/16";
            s["Distributor:Ssrf:AllowedHosts:2"] = "169.254.169.254";
            s["Distributor:Ssrf:AllowedHosts:3"] = "metadata.google.internal";
            s["Distributor:Ssrf:AllowedHosts:4"] = "rebinding.example";
        });
        var guard = open.Services.GetRequiredService<SsrfGuard>();

        Assert.NotNull(guard.Refusal("169.254.169.254", IPAddress.Parse("169.254.169.254")));
        Assert.NotNull(guard.Refusal("rebinding.example", IPAddress.Parse("169.254.169.254")));
        Assert.NotNull(guard.Refusal("rebinding.example", IPAddress.Parse("64:ff9b::a9fe:a9fe")));
        Assert.NotNull(guard.Refusal("rebinding.example", IPAddress.Parse("2002:a9fe:a9fe::1")));
        Assert.NotNull(await guard.CheckUrlAsync("http://metadata.google.internal/computeMetadata/v1/", CancellationToken.None));
        Assert.NotNull(await guard.CheckUrlAsync("http://169.254.169.254/latest/meta-data", CancellationToken.None));
        // What the allow-list is for still works: an allow-listed name resolving to a private address, another link-local one.
        Assert.Null(guard.Refusal("rebinding.example", IPAddress.Parse("10.1.2.3")));
        Assert.Null(guard.Refusal("169.254.1.1", IPAddress.Parse("169.254.1.1")));
    }

    [Fact]
    public async Task A_port_allow_list_refuses_other_ports()
    {
        await using var strict = await DistributorApp.StartAsync(deps, s => s["Distributor:Ssrf:AllowedPorts:0"] = "443");
        var guard = strict.Services.GetRequiredService<SsrfGuard>();

        Assert.NotNull(await guard.CheckUrlAsync("http://127.0.0.1:8080/hook", CancellationToken.None));
        Assert.Null(await guard.CheckUrlAsync("https://127.0.0.1/hook", CancellationToken.None));
    }

    /// <summary>
    /// End to end: a destination saved while its host name was allowed; then the name resolves only to refused addresses
    /// (here: the allow-list entry is withdrawn, and "localhost" resolves to loopback). The delivery ends SSRF_BLOCKED and
    /// the listener behind the name never sees a connection.
    /// </summary>
    [Fact]
    public async Task A_host_name_resolving_to_a_refused_address_ends_ssrf_blocked_without_a_connection()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var app = await DistributorApp.StartAsync(deps, s =>
        {
            s["Distributor:Ssrf:AllowedHosts:0"] = "localhost";
            s["Distributor:Health:Interval"] = "01:00:00";
        });
        var destination = await app.Client.CreateDestinationAsync(
            DistributorClient.Destination(new Uri($"http://localhost:{port}/hook"), eventTypes: ["ssrf.test"], maxAttempts: 1));

        var configuration = (IConfigurationRoot)app.Services.GetRequiredService<IConfiguration>();
        configuration["Distributor:Ssrf:AllowedHosts:0"] = "allowed-elsewhere.example";
        configuration.Reload();
        var guard = app.Services.GetRequiredService<SsrfGuard>();
        await Eventually.UntilAsync(() => guard.Refusal("localhost", IPAddress.Loopback) is not null,
            TimeSpan.FromSeconds(10), "the withdrawn allow-list entry should take effect");

        var accepted = await app.Client.PostEventAsync("ssrf.test", new { n = 1 });
        var distribution = accepted.Distributions.Single(d => d.DestinationId == destination.Id);
        var done = await app.Client.WaitForStatusAsync(distribution.Id, DistributionStatus.Failed, TimeSpan.FromSeconds(30));

        Assert.Equal(DeliveryErrorCodes.SsrfBlocked, done.LastErrorCode);
        Assert.Equal(DeliveryErrorCodes.SsrfBlocked, Assert.Single(done.Attempts!).ErrorCode);
        Assert.False(listener.Pending(), "the refused address must not have been connected to");
    }
}
