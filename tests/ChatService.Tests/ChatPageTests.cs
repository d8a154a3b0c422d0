using System.Net.Http.Json;
using System.Text.Json;
using ChatService.Tests.Infrastructure;
using OllamaSimulator;
using ServiceDefaults.Auth;
using Testing;

namespace ChatService.Tests;

/// <summary>
/// The chat page (ChatService/wwwroot) in headless chromium against the running service, real PostgreSQL, Redis and
/// Chroma, and the Ollama simulator: what a user does and sees, from pasting a token to cancelling an answer.
/// </summary>
[Collection("dependencies")]
public sealed class ChatPageTests(DependenciesFixture deps) : IAsyncLifetime
{
    /// <summary>Set to 1 to refresh docs/chat-page.png (the screenshot the README shows).</summary>
    public const string UpdateScreenshotVariable = "CHAT_PAGE_UPDATE_SCREENSHOT";

    private static readonly TimeSpan Ui = TimeSpan.FromSeconds(20);

    private OllamaSimulatorServer _simulator = null!;
    private ChatApp _app = null!;

    public async Task InitializeAsync()
    {
        _simulator = await OllamaSimulatorServer.StartAsync();
        var chroma = await deps.GetChromaAsync();
        // A short endpoint budget (the page sends none of its own): a hung model ends in the degraded answer within it.
        _app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma.BaseAddress, _simulator,
            new Dictionary<string, string?> { ["Chat:RequestTimeout"] = "00:00:05", ["Llm:FirstTokenTimeout"] = "00:01:00" });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _simulator.DisposeAsync();
    }

    [ChromiumFact]
    public async Task Token_upload_streamed_cited_answer_passage_and_cancel_work_in_the_browser()
    {
        var user = Users.New("alice");
        await using var browser = await BrowserPage.OpenAsync(_app.BaseAddress);

        // Sign in by pasting the token: the page shows who the token says we are.
        Assert.True(await browser.VisibleAsync("#sign-in"));
        Assert.False(await browser.VisibleAsync("#app"));
        var token = ChatApp.TokenFor(user);
        await browser.PasteAsync("#token", token);
        await browser.Page.ClickAsync("#sign-in-form button[type=submit]");
        await browser.WaitUntilAsync("!document.getElementById('app').hidden", Ui, "the signed-in page");
        Assert.Equal(user, await browser.TextAsync("#who-name"));
        Assert.Equal(token, await browser.EvalAsync<string>("sessionStorage.getItem('chat.token')"));

        // Upload a document and watch its status reach ready.
        var documentId = await UploadAsync(browser, "volcanoes.md", SampleDocuments.Volcano);
        await browser.WaitUntilAsync($"document.querySelector('#documents li[data-id=\"{documentId}\"]')?.dataset.status === 'ready'",
            TimeSpan.FromSeconds(45), "the document's status 'ready'");
        Assert.Equal("ready", await browser.TextAsync($"#documents li[data-id=\"{documentId}\"] .badge"));

        // Ask: the answer streams in token by token, then its citations appear under it.
        _simulator.Faults.Chat = new FaultSettings { TokenDelayMs = 40 };
        await CountTextUpdatesAsync(browser);
        await AskAsync(browser, "How long did the Hekla eruption of 1947 last?");
        await WaitForAnswerAsync(browser);
        var answer = await browser.TextAsync("#messages > li:last-child .text");
        Assert.Contains("thirteen months", answer, StringComparison.Ordinal);
        Assert.True(await browser.EvalAsync<int>("window.textUpdates") >= 3, "the answer arrived in several streamed pieces");
        Assert.Equal("", await browser.TextAsync("#messages > li:last-child .flags"));
        var cited = await CitationsAsync(browser);
        Assert.Contains(cited, c => c.DocumentId == documentId);

        // A citation opens the cited passage: exactly the chunk the API has under that id.
        var citation = cited.First(c => c.DocumentId == documentId);
        await browser.Page.ClickAsync($"#messages > li:last-child .citation[data-chunk-id=\"{citation.ChunkId}\"]");
        await browser.WaitUntilAsync("!document.getElementById('passage').hidden && " +
            "!document.getElementById('passage-text').textContent.startsWith('Loading')",
            Ui, "the cited passage");
        using var api = new ChatApiClient(_app.ClientFor(user));
        var chunks = await api.Http.GetFromJsonAsync<JsonElement>($"/api/documents/{documentId}/chunks?limit=100");
        var chunk = chunks.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("id").GetString() == citation.ChunkId);
        Assert.Equal(chunk.GetProperty("text").GetString(), await browser.TextAsync("#passage-text"));
        Assert.Contains("volcanoes", await browser.TextAsync("#passage-source"), StringComparison.OrdinalIgnoreCase);

        // The answer started a session: the picker lists and selects it.
        var sessionId = await browser.EvalAsync<string>("document.getElementById('session-select').value");
        Assert.True(Guid.TryParse(sessionId, out _), $"a session is selected after the first answer ('{sessionId}')");
        Assert.Contains("How long did the Hekla", await browser.TextAsync("#session-select option:checked"), StringComparison.Ordinal);

        // A slow answer is cancelled: the page says so and the model sees the request go away.
        _simulator.Faults.Chat = new FaultSettings { TokenDelayMs = 1000 };
        var cancelledBefore = _simulator.CancelledRequests;
        var chatRequestsBefore = _simulator.ChatRequests;
        await AskAsync(browser, "Why did the 2010 eruption of Eyjafjallajokull ground European air traffic?");
        await browser.WaitUntilAsync("document.querySelector('#messages > li:last-child .text').textContent.length > 0", Ui,
            "the first streamed token");
        Assert.False(await browser.EvalAsync<bool>("document.getElementById('cancel').disabled"));
        await browser.Page.ClickAsync("#cancel");
        await browser.WaitUntilAsync("document.querySelector('#messages > li:last-child .flag-cancelled') !== null", Ui,
            "the answer marked cancelled");
        Assert.Contains("Cancelled", await browser.TextAsync("#messages > li:last-child .flags"), StringComparison.Ordinal);
        Assert.Equal("Cancelled.", await browser.TextAsync("#chat-status"));
        Assert.True(await browser.EvalAsync<bool>("document.getElementById('cancel').disabled"));
        Assert.False(await browser.EvalAsync<bool>("document.getElementById('send').disabled"));
        await _simulator.WaitUntilAsync(s => s.CancelledRequests == cancelledBefore + 1 && s.InFlight == 0, TimeSpan.FromSeconds(10));
        Assert.Equal(chatRequestsBefore + 1, _simulator.ChatRequests);

        Assert.Empty(browser.Errors);
        await SaveScreenshotAsync(browser, "chat-page-cancelled.png", updateDocs: false);
    }

    [ChromiumFact]
    public async Task A_hung_model_gives_a_degraded_answer_marked_with_its_reason_also_in_the_reloaded_history()
    {
        var user = $"alice-{Guid.NewGuid().ToString("N")[..8]}";
        await using var browser = await BrowserPage.OpenAsync(_app.BaseAddress);
        await browser.PasteAsync("#token", ChatApp.TokenFor(user));
        await browser.Page.ClickAsync("#sign-in-form button[type=submit]");
        await browser.WaitUntilAsync("!document.getElementById('app').hidden", Ui, "the signed-in page");
        var documentId = await UploadAsync(browser, "volcanoes.md", SampleDocuments.Volcano);
        await browser.WaitUntilAsync($"document.querySelector('#documents li[data-id=\"{documentId}\"]')?.dataset.status === 'ready'",
            TimeSpan.FromSeconds(45), "the document's status 'ready'");

        await AskAsync(browser, "How long did the Hekla eruption of 1947 last?");
        await WaitForAnswerAsync(browser);
        Assert.Empty(await browser.TextAsync("#messages > li:last-child .flags"));

        // The model hangs: within the 5 s endpoint budget the answer is built from the passages and marked degraded.
        _simulator.Faults.Chat = new FaultSettings { Hang = true };
        await AskAsync(browser, "What grounded European air traffic in 2010?");
        await WaitForAnswerAsync(browser);
        var flags = await browser.TextAsync("#messages > li:last-child .flag-degraded");
        Assert.StartsWith("Degraded", flags, StringComparison.Ordinal);
        Assert.Matches("LLM_(TIMEOUT|UNAVAILABLE): the language model", flags);
        Assert.Contains("Eyjafjallajokull", await browser.TextAsync("#messages > li:last-child .text"), StringComparison.Ordinal);
        var cited = await CitationsAsync(browser);
        Assert.Contains(cited, c => c.DocumentId == documentId);
        await browser.Page.ClickAsync($"#messages > li:last-child .citation[data-chunk-id=\"{cited[0].ChunkId}\"]");
        await browser.WaitUntilAsync("document.getElementById('passage-text').textContent.includes('Eyjafjallajokull')", Ui,
            "the cited passage");
        await _simulator.WaitUntilAsync(s => s.CancelledRequests >= 1 && s.InFlight == 0, TimeSpan.FromSeconds(10));
        Assert.Empty(browser.Errors);
        await SaveScreenshotAsync(browser, "chat-page.png", updateDocs: true);
        Assert.Equal(0, await browser.EvalAsync<int>(UnlabelledControls));

        // Responsive: on a phone-sized screen the same page fits its width (one column, nothing cut off).
        await browser.Page.SetViewportAsync(new PuppeteerSharp.ViewPortOptions { Width = 390, Height = 844 });
        await browser.WaitUntilAsync("document.documentElement.scrollWidth <= window.innerWidth", Ui, "no horizontal overflow at 390 px");
        Assert.True(await browser.EvalAsync<bool>(
            "document.querySelector('.chat').getBoundingClientRect().right <= window.innerWidth && " +
            "document.querySelector('.side').getBoundingClientRect().right <= window.innerWidth"));
        await SaveScreenshotAsync(browser, "chat-page-narrow.png", updateDocs: false);
        await browser.Page.SetViewportAsync(new PuppeteerSharp.ViewPortOptions { Width = 1440, Height = 1000 });

        // The token survives a reload (sessionStorage); picking the session loads its history with the markers.
        var sessionId = await browser.EvalAsync<string>("document.getElementById('session-select').value");
        await browser.Page.ReloadAsync();
        await browser.WaitUntilAsync("!document.getElementById('app').hidden && document.querySelectorAll('#session-select " +
            "option').length > 1", Ui,
            "the signed-in page after a reload");
        await browser.Page.SelectAsync("#session-select", sessionId);
        await browser.WaitUntilAsync("document.querySelectorAll('#messages > li').length === 4", Ui, "the session's four messages");
        Assert.Equal(["You", "Assistant", "You", "Assistant"],
            await browser.EvalAsync<string[]>("[...document.querySelectorAll('#messages > li .role')].map(r => r.textContent)"));
        Assert.Equal(0, await browser.EvalAsync<int>("document.querySelectorAll('#messages > li:nth-child(2) .flag').length"));
        Assert.StartsWith("Degraded", await browser.TextAsync("#messages > li:nth-child(4) .flag-degraded"), StringComparison.Ordinal);
        Assert.True(await browser.EvalAsync<int>("document.querySelectorAll('#messages > li:nth-child(4) .citation').length") > 0);
    }

    [ChromiumFact]
    public async Task A_token_the_api_refuses_returns_to_sign_in_saying_401()
    {
        await using var browser = await BrowserPage.OpenAsync(_app.BaseAddress);
        var foreign = DevTokenIssuer.Mint("another-signing-key-that-this-service-never-saw", "mallory", admin: false, "aspire-chat-dev",
            ServiceAudiences.Chat, TimeSpan.FromHours(1));

        Assert.Equal(0, await browser.EvalAsync<int>(UnlabelledControls));
        await browser.PasteAsync("#token", foreign);
        await browser.Page.ClickAsync("#sign-in-form button[type=submit]");
        await browser.WaitUntilAsync("document.getElementById('notice').textContent.includes('401')", Ui, "the 401 notice");

        Assert.Contains("The API answered 401 Unauthorized", await browser.TextAsync("#notice"), StringComparison.Ordinal);
        Assert.True(await browser.VisibleAsync("#sign-in"));
        Assert.False(await browser.VisibleAsync("#app"));
        Assert.Null(await browser.EvalAsync<string?>("sessionStorage.getItem('chat.token')"));

        // The same page then signs in with a token the service accepts.
        var user = Users.New("bob");
        await browser.PasteAsync("#token", ChatApp.TokenFor(user));
        await browser.Page.ClickAsync("#sign-in-form button[type=submit]");
        await browser.WaitUntilAsync("!document.getElementById('app').hidden", Ui, "the signed-in page");
        Assert.Equal(user, await browser.TextAsync("#who-name"));
        Assert.False(await browser.VisibleAsync("#notice"));
    }

    /// <summary>Visible form controls without a label (an accessible name from a &lt;label&gt; or aria-label).</summary>
    private const string UnlabelledControls =
        "[...document.querySelectorAll('input, select, textarea, button')].filter(e => e.getClientRects().length > 0 && " +
        "e.labels?.length === 0 && !e.getAttribute('aria-label') && !(e.tagName === 'BUTTON' && e.textContent.trim())).length";

    private static async Task<Guid> UploadAsync(BrowserPage browser, string fileName, string content)
    {
        var directory = Directory.CreateTempSubdirectory("chat-page-");
        try
        {
            var path = Path.Combine(directory.FullName, fileName);
            await File.WriteAllTextAsync(path, content);
            var input = await browser.Page.QuerySelectorAsync("#upload-file");
            await input.UploadFileAsync(path);
            var before = await browser.EvalAsync<int>("document.querySelectorAll('#documents li').length");
            await browser.Page.ClickAsync("#upload-button");
            await browser.WaitUntilAsync($"document.querySelectorAll('#documents li').length > {before}", Ui,
                $"{fileName} in the document list");
            return Guid.Parse(await browser.EvalAsync<string>("document.querySelector('#documents li').dataset.id"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task AskAsync(BrowserPage browser, string question)
    {
        var asked = await browser.EvalAsync<int>("document.querySelectorAll('#messages > li.user').length");
        await browser.Page.ClickAsync("#question");
        await browser.Page.Keyboard.TypeAsync(question);
        await browser.Page.ClickAsync("#send");
        await browser.WaitUntilAsync($"document.querySelectorAll('#messages > li.user').length > {asked}", Ui, "the question sent");
    }

    /// <summary>Waits until the running answer ended (Cancel disabled again) with its citations shown.</summary>
    private static Task WaitForAnswerAsync(BrowserPage browser) =>
        browser.WaitUntilAsync(
            "document.getElementById('cancel').disabled && document.querySelector('#messages > li:last-child.assistant:not([aria-busy]) " +
            ".citation') !== null",
            TimeSpan.FromSeconds(30), "the finished answer with citations");

    /// <summary>Counts how often the newest answer's text changes, from the next question on.</summary>
    private static Task CountTextUpdatesAsync(BrowserPage browser) =>
        browser.EvalAsync<object?>("""
            (() => {
              window.textUpdates = 0;
              new MutationObserver(records => {
                for (const r of records) if (r.target.classList?.contains('text') && r.target.closest('.assistant')) window.textUpdates++;
              }).observe(document.getElementById('messages'), { childList: true, subtree: true });
              return null;
            })()
            """);

    private static async Task<List<(Guid DocumentId, string ChunkId)>> CitationsAsync(BrowserPage browser)
    {
        var pairs = await browser.EvalAsync<string[][]>(
            "[...document.querySelectorAll('#messages > li:last-child .citation')].map(b => [b.dataset.documentId, b.dataset.chunkId])");
        return pairs.Select(p => (Guid.Parse(p[0]), p[1])).ToList();
    }

    /// <summary>Always into TestResults/chat-page/; also docs/chat-page.png when CHAT_PAGE_UPDATE_SCREENSHOT=1.</summary>
    private static async Task SaveScreenshotAsync(BrowserPage browser, string fileName, bool updateDocs)
    {
        var root = RepositoryRoot();
        var path = Path.Combine(root, "TestResults", "chat-page", fileName);
        await browser.ScreenshotAsync(path);
        Assert.True(new FileInfo(path).Length > 20_000, "the screenshot shows a rendered page");
        if (updateDocs && Environment.GetEnvironmentVariable(UpdateScreenshotVariable) == "1")
        {
            Directory.CreateDirectory(Path.Combine(root, "docs"));
            File.Copy(path, Path.Combine(root, "docs", fileName), overwrite: true);
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Local.slnf")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Local.slnf above {AppContext.BaseDirectory}");
    }
}
