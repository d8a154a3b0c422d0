// Soak (bench/README.md): 20,000 mixed requests against ChatService with the database pool at 5.
//   dotnet run -c Release --project bench/Soak                       # starts PostgreSQL, Redis, Chroma, the simulator and ChatService itself
//   dotnet run -c Release --project bench/Soak -- --chat http://127.0.0.1:5100 --pid 1234 --signing-key KEY   # attach to a running one
// Options: --requests 20000 --concurrency 32 --client-timeout 30
// Exit code 0 only with zero pool-exhaustion errors (5xx DEPENDENCY_UNAVAILABLE) and zero hung requests.
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OllamaSimulator;
using ServiceDefaults.Auth;
using Soak;
using Testing;

string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
var total = int.Parse(Arg("--requests") ?? "20000", CultureInfo.InvariantCulture);
var concurrency = int.Parse(Arg("--concurrency") ?? "32", CultureInfo.InvariantCulture);
var clientTimeout = TimeSpan.FromSeconds(int.Parse(Arg("--client-timeout") ?? "30", CultureInfo.InvariantCulture));
var signingKey = Arg("--signing-key") ?? Environment.GetEnvironmentVariable("Auth__SigningKey") ?? "soak-signing-key-" + Guid.NewGuid().ToString("N");
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var ct = cancel.Token;

await using var stack = Arg("--chat") is null ? await SoakStack.StartAsync(signingKey, ct) : null;
var chatUrl = new Uri((Arg("--chat") ?? stack!.ChatUrl).TrimEnd('/') + "/");
int? pid = Arg("--pid") is { } p ? int.Parse(p, CultureInfo.InvariantCulture) : stack?.ChatPid;

var userToken = DevTokenIssuer.Mint(signingKey, [new System.Security.Claims.Claim("sub", "soak-user")], "aspire-chat-dev", ServiceAudiences.All.ToArray(), TimeSpan.FromHours(2));
var adminToken = DevTokenIssuer.Mint(signingKey, [new System.Security.Claims.Claim("sub", "soak-admin"), new System.Security.Claims.Claim("role", AuthRoles.Admin)], "aspire-chat-dev", ServiceAudiences.All.ToArray(), TimeSpan.FromHours(2));
using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency * 2, PooledConnectionLifetime = TimeSpan.FromMinutes(2) };
using var http = new HttpClient(handler) { BaseAddress = chatUrl, Timeout = Timeout.InfiniteTimeSpan }; // why: benchmark driver, not product code; bounded by the run's own duration/timeouts
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", userToken);
var probe = new ServiceProbe(http, pid, adminToken);

// One document so chats retrieve and cite something.
using (var form = new MultipartFormDataContent())
{
    form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(
        "The soak test sends twenty thousand mixed requests. The database pool holds five connections. " +
        "No request may hang and no pool may run dry. Memory must stay flat after the warm-up.")), "file", "soak.txt");
    using var upload = await http.PostAsync("api/documents", form, ct);
    Console.WriteLine($"seed document upload: {(int)upload.StatusCode}");
}

var tally = new SoakTally();
var questions = Enumerable.Range(0, 50).Select(i => $"How many connections does the database pool hold, variant {i}?").ToArray();
var next = -1;
var tenPercent = total / 10;
var snapshot10 = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
var stopwatch = Stopwatch.StartNew();

async Task OneAsync(int i)
{
    var kind = (i % 20) switch
    {
        < 7 => "chat-json",
        < 9 => "chat-sse",
        < 13 => "sessions-list",
        < 16 => "documents-list",
        < 18 => "session-create",
        18 => "activity-subscribe",
        _ => "ready",
    };
    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
    timeout.CancelAfter(clientTimeout);
    try
    {
        using var request = kind switch
        {
            "chat-json" or "chat-sse" => Json(HttpMethod.Post, "api/chat", new { message = questions[i % questions.Length] }),
            "sessions-list" => new HttpRequestMessage(HttpMethod.Get, "api/sessions?limit=20"),
            "documents-list" => new HttpRequestMessage(HttpMethod.Get, "api/documents?limit=20"),
            "session-create" => Json(HttpMethod.Post, "api/sessions", new { title = $"soak {i}" }),
            "activity-subscribe" => new HttpRequestMessage(HttpMethod.Get, "api/activity"),
            _ => new HttpRequestMessage(HttpMethod.Get, "health/ready"),
        };
        if (kind is "chat-sse" or "activity-subscribe")
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        if (kind == "activity-subscribe" && response.IsSuccessStatusCode)
        {
            // Subscribe briefly, then leave: the subscriber count must return to zero.
            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            using var linger = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
            linger.CancelAfter(TimeSpan.FromMilliseconds(500));
            try
            {
                _ = await stream.ReadAtLeastAsync(new byte[256], 1, throwOnEndOfStream: false, linger.Token);
            }
            catch (OperationCanceledException) when (!timeout.IsCancellationRequested)
            {
                // Expected: nothing happened within the half second; the client leaves.
            }

            tally.Record(kind, (int)response.StatusCode, null);
            return;
        }

        var body = await response.Content.ReadAsStringAsync(timeout.Token);
        string? code = null;
        if (!response.IsSuccessStatusCode && response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            using var doc = JsonDocument.Parse(body);
            code = doc.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
        }

        tally.Record(kind, (int)response.StatusCode, code);
    }
    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
    {
        tally.RecordHung(kind);
    }
    catch (HttpRequestException e)
    {
        tally.Record(kind, 0, e.HttpRequestError.ToString());
    }

    if (tally.Done == tenPercent)
    {
        snapshot10.TrySetResult(await probe.SnapshotAsync("10%", ct));
    }
}

await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
{
    int i;
    while ((i = Interlocked.Increment(ref next)) < total)
    {
        await OneAsync(i);
    }
}));
var elapsed = stopwatch.Elapsed;
Console.WriteLine(await snapshot10.Task.WaitAsync(TimeSpan.FromSeconds(30), ct));
Console.WriteLine(await probe.SnapshotAsync("100%", ct));
// Streams close asynchronously: give subscriptions a bounded moment to be released before the final count.
var settle = Stopwatch.StartNew();
string final;
do
{
    await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
    final = await probe.SnapshotAsync("after settle", ct);
}
while (!final.Contains("activity subscribers 0", StringComparison.Ordinal) && settle.Elapsed < TimeSpan.FromSeconds(15));
Console.WriteLine(final);

Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{total:N0} requests, concurrency {concurrency}, {elapsed.TotalSeconds:0.0} s ({total / elapsed.TotalSeconds:0} req/s)"));
foreach (var (key, count) in tally.Counts)
{
    Console.WriteLine($"  {key,-50} {count,8:N0}");
}

Console.WriteLine($"pool-exhaustion errors (5xx DEPENDENCY_UNAVAILABLE): {tally.PoolExhaustion}");
Console.WriteLine($"hung requests (client timeout {clientTimeout.TotalSeconds:0} s): {tally.Hung}");
var ok = tally.PoolExhaustion == 0 && tally.Hung == 0;
Console.WriteLine($"SOAK {(ok ? "PASS" : "FAIL")}");
return ok ? 0 : 1;

static HttpRequestMessage Json(HttpMethod method, string path, object body) =>
    new(method, path) { Content = new StringContent(JsonSerializer.Serialize(body, JsonSerializerOptions.Web), Encoding.UTF8, "application/json") };
