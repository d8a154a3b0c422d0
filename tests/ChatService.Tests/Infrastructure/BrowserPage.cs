using System.Text.Json;
using PuppeteerSharp;
using Testing;

namespace ChatService.Tests.Infrastructure;

/// <summary>
/// Headless Debian chromium driven over the DevTools protocol (PuppeteerSharp), one page open on a running service.
/// Collects the page's script errors and failed requests, so a test can assert the page ran cleanly.
/// </summary>
public sealed class BrowserPage : IAsyncDisposable
{
    private readonly IBrowser _browser;
    private readonly List<string> _errors = [];

    private BrowserPage(IBrowser browser, IPage page)
    {
        _browser = browser;
        Page = page;
        page.PageError += (_, e) => Record($"page error: {e.Message}");
        page.Console += (_, e) =>
        {
            if (e.Message.Type == ConsoleType.Error)
            {
                Record($"console error: {e.Message.Text}");
            }
        };
    }

    public IPage Page { get; }

    /// <summary>Script errors and console errors seen so far (a 401 the page asked for shows up here as a failed load).</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToList();
            }
        }
    }

    public static async Task<BrowserPage> OpenAsync(Uri address, int width = 1440, int height = 1000)
    {
        var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = ChromiumFactAttribute.Path,
            Headless = true,
            // why: tests run as root (chromium's sandbox refuses root) in containers with a small /dev/shm
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=en-US"],
            DefaultViewport = new ViewPortOptions { Width = width, Height = height },
            Timeout = 60_000,
        });
        try
        {
            var page = await browser.NewPageAsync();
            page.DefaultTimeout = 30_000;
            var browserPage = new BrowserPage(browser, page);
            await page.GoToAsync(address.ToString(), WaitUntilNavigation.Load);
            return browserPage;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    public Task<T> EvalAsync<T>(string expression) => Page.EvaluateExpressionAsync<T>(expression);

    public Task<string> TextAsync(string selector) =>
        Page.EvaluateFunctionAsync<string>("s => document.querySelector(s)?.textContent ?? ''", selector);

    public Task<bool> VisibleAsync(string selector) =>
        Page.EvaluateFunctionAsync<bool>("s => { const e = document.querySelector(s); return !!e && e.getClientRects().length > 0; }",
            selector);

    /// <summary>Waits until the JavaScript <paramref name="expression"/> is truthy; fails naming what was awaited and what the page
    /// shows.</summary>
    public async Task WaitUntilAsync(string expression, TimeSpan timeout, string what)
    {
        try
        {
            await Page.WaitForExpressionAsync(expression,
                new WaitForFunctionOptions { Timeout = (int)timeout.TotalMilliseconds, PollingInterval = 100 });
        }
        catch (WaitTaskTimeoutException)
        {
            var notice = await TextAsync("#notice");
            var last = await TextAsync("#messages > li:last-child");
            throw new TimeoutException(
                $"Within {timeout.TotalSeconds:0.#} s the page did not show: {what}. Notice: '{notice}'. Last message: '{last}'. " +
                $"Errors: {string.Join(" | ", Errors)}");
        }
    }

    /// <summary>Types into a field the way a user pastes: the whole text at once, then an input event.</summary>
    public Task PasteAsync(string selector, string text) =>
        Page.EvaluateFunctionAsync(
            "(s, t) => { const e = document.querySelector(s); e.focus(); e.value = t; e.dispatchEvent(new Event('input', { bubbles: " +
            "true })); }",
            selector, text);

    public async Task ScreenshotAsync(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        await Page.ScreenshotAsync(path, new ScreenshotOptions { FullPage = true, Type = ScreenshotType.Png });
    }

    public static string Js(string value) => JsonSerializer.Serialize(value);

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        await _browser.DisposeAsync();
    }

    private void Record(string error)
    {
        lock (_errors)
        {
            _errors.Add(error);
        }
    }
}
