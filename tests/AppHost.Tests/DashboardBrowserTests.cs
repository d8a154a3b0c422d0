using System.Net.Http.Headers;
using System.Net.Http.Json;
using Aspire.Hosting.Testing;
using PuppeteerSharp;
using Xunit;

namespace AppHost.Tests;

/// <summary>
/// The dashboard as a user sees it: Debian's chromium (headless, driven by PuppeteerSharp) logs in with the browser
/// token, the resources page lists every resource Running with no unhealthy one, and the traces page shows
/// ChatService's chat request. Screenshots go to TestResults/ (and to docs/ with APPHOST_TESTS_UPDATE_SCREENSHOTS=1,
/// which is how the README's picture was made).
/// </summary>
[Collection(LocalAppHostCollection.Name)]
public sealed class DashboardBrowserTests(AppHostFixture fixture)
{
    // Blazor renders after the page loads and the dashboard fills in over its resource stream: wait for content.
    private static readonly TimeSpan PageBudget = TimeSpan.FromSeconds(60);

    [ChromiumFact]
    public async Task Dashboard_shows_every_resource_running_and_the_chat_trace()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await SendChatAsync(timeout.Token);

        await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            Headless = true,
            ExecutablePath = ChromiumFactAttribute.Path,
            // --no-sandbox: the tests run as root here, where chromium's sandbox refuses to start.
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=en-US"],
            Timeout = (int)PageBudget.TotalMilliseconds,
        });
        await using var page = await browser.NewPageAsync();
        page.DefaultTimeout = (int)PageBudget.TotalMilliseconds;
        await page.SetViewportAsync(new ViewPortOptions { Width = 1600, Height = 900 });

        // Resources page (the login URL lands there).
        await page.GoToAsync(new Uri(fixture.DashboardUrl, $"/login?t={fixture.BrowserToken}").ToString(),
            WaitUntilNavigation.DOMContentLoaded);
        if (await page.QuerySelectorAsync("input[type=password], input[placeholder*='token' i]") is { } tokenInput)
        {
            // The login form (what a user sees when the URL's token did not log them in): type it.
            await tokenInput.TypeAsync(fixture.BrowserToken);
            await tokenInput.PressAsync("Enter");
        }

        var shown = AppHostFixture.ProcessResources;
        await WaitForTextAsync(page, "resources", shown.Concat(["Running"]).ToArray(), timeout.Token);
        // Every process resource's row says Running (counted on the page's text), and none is unhealthy or failed.
        await WaitForAsync(page, "resources", $"document.body.innerText.split('Running').length - 1 >= {shown.Length}", timeout.Token);
        var text = await page.EvaluateExpressionAsync<string>("document.body.innerText");
        foreach (var bad in new[] { "Unhealthy", "Failed to start", "Runtime unhealthy", "Exited" })
        {
            Assert.DoesNotContain(bad, text, StringComparison.Ordinal);
        }

        await ScreenshotAsync(page, "dashboard-resources.png");

        // Traces page: the chat request's trace, named after its root span.
        await page.GoToAsync(new Uri(fixture.DashboardUrl, "/traces").ToString(), WaitUntilNavigation.DOMContentLoaded);
        await WaitForTextAsync(page, "traces", ["chatservice", "POST /api/chat"], timeout.Token);
        // Narrowed to the chat requests, as a user would with the page's filter box: one trace whose spans reach the
        // database, Chroma and the model resource (the simulator behind chat-model).
        // (a Fluent UI search box: its input is inside a shadow root, so it is focused from script, then typed into)
        await page.EvaluateExpressionAsync(
            "(() => { const box = [...document.querySelectorAll('[placeholder]')].find(e => " +
            "e.getAttribute('placeholder').startsWith('Filter'));" +
            " (box.shadowRoot?.querySelector('input') ?? box).focus(); })()");
        await page.Keyboard.TypeAsync("/api/chat");
        await WaitForAsync(page, "traces", "!document.body.innerText.includes('postgresql')", timeout.Token);
        await WaitForTextAsync(page, "traces", ["chatservice: POST /api/chat", "chatdb", "chroma", "chat-model"], timeout.Token);
        await ScreenshotAsync(page, "dashboard-traces.png");
    }

    private async Task SendChatAsync(CancellationToken cancellationToken)
    {
        using var chat = fixture.App.CreateHttpClient("chatservice", "http");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/chat", UriKind.Relative))
        {
            Content = JsonContent.Create(new { message = "Which resources does the dashboard show?" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.MintToken(admin: false));
        using var response = await chat.SendAsync(request, cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"POST /api/chat answered {(int)response.StatusCode}");
    }

    private static Task WaitForTextAsync(IPage page, string what, string[] texts, CancellationToken cancellationToken) =>
        WaitForAsync(page, what,
            "[" + string.Join(",", texts.Select(t => $"'{t}'")) + "].every(t => document.body.innerText.includes(t))",
            cancellationToken);

    private static async Task WaitForAsync(IPage page, string what, string condition, CancellationToken cancellationToken)
    {
        try
        {
            await page.WaitForFunctionAsync($"() => {condition}", new WaitForFunctionOptions
            {
                Timeout = (int)PageBudget.TotalMilliseconds,
                PollingInterval = 250,
            }).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is WaitTaskTimeoutException or TimeoutException or OperationCanceledException)
        {
            await ScreenshotAsync(page, $"dashboard-{what}-failed.png");
            var text = await page.EvaluateExpressionAsync<string>("document.body.innerText");
            throw new TimeoutException($"The dashboard's {what} page ({page.Url}) never satisfied `{condition}`. It showed:\n{text}", ex);
        }
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        var results = Path.Combine(RepositoryRoot(), "TestResults", "screenshots");
        Directory.CreateDirectory(results);
        await page.ScreenshotAsync(Path.Combine(results, name));
        if (Environment.GetEnvironmentVariable("APPHOST_TESTS_UPDATE_SCREENSHOTS") == "1"
            && !name.Contains("failed", StringComparison.Ordinal))
        {
            File.Copy(Path.Combine(results, name), Path.Combine(RepositoryRoot(), "docs", name), overwrite: true);
        }
    }

    private static string RepositoryRoot()
    {
        var appHost = Projects.AppHost.ProjectPath.EndsWith(".csproj", StringComparison.Ordinal)
            ? Path.GetDirectoryName(Projects.AppHost.ProjectPath)!
            : Projects.AppHost.ProjectPath;
        return Path.GetFullPath(Path.Combine(appHost, ".."));
    }
}
