using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Testing;

namespace SystemTests.Harness;

/// <summary>
/// The user-facing calls the flows make against a <see cref="SystemStack"/>: each asserts the documented status and
/// returns the parsed body, and every wait is bounded. Kept apart from the tests so each flow reads as its story.
/// </summary>
public sealed class StackApi(SystemStack stack)
{
    private static readonly string[] FinalTaskStates = ["succeeded", "failed", "cancelled", "timed_out"];

    public SystemStack Stack => stack;

    /// <summary>Sends and returns (status, body as JSON or null, raw body).</summary>
    public static async Task<(HttpStatusCode Status, JsonElement? Json, string Body, HttpResponseMessage Response)> SendAsync(
        ServiceProcess service, HttpRequestMessage request, CancellationToken ct)
    {
        using (request)
        {
            var response = await service.Http.SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            JsonElement? json = null;
            if (response.Content.Headers.ContentType?.MediaType is { } media && media.Contains("json", StringComparison.Ordinal)
                && body.Length > 0)
            {
                using var doc = JsonDocument.Parse(body);
                json = doc.RootElement.Clone();
            }

            return (response.StatusCode, json, body, response);
        }
    }

    /// <summary>Sends and asserts one of the expected statuses; returns the JSON body.</summary>
    public async Task<JsonElement> ExpectAsync(ServiceProcess service, HttpRequestMessage request, CancellationToken ct,
        params HttpStatusCode[] expected)
    {
        var what = $"{request.Method} {request.RequestUri}";
        var (status, json, body, response) = await SendAsync(service, request, ct);
        response.Dispose();
        Assert.True(expected.Contains(status),
            $"{service.Name} {what} answered {(int)status}: {body}\n--- {service.Name} ---\n{service.LogTail(30)}");
        return json ?? default;
    }

    public Task<JsonElement> GetAsync(ServiceProcess service, string path, CancellationToken ct, bool admin = false) =>
        ExpectAsync(service, stack.Request(HttpMethod.Get, path, admin: admin), ct, HttpStatusCode.OK);

    /// <summary><c>POST /api/documents</c> (multipart <c>file</c> + <c>title</c>) → 202; returns the document id.</summary>
    public async Task<Guid> UploadDocumentAsync(string fileName, string title, string text, CancellationToken ct)
    {
        var request = stack.Request(HttpMethod.Post, "api/documents");
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "file", fileName);
        form.Add(new StringContent(title), "title");
        request.Content = form;
        var json = await ExpectAsync(stack.Chat, request, ct, HttpStatusCode.Accepted, HttpStatusCode.OK);
        return json.GetProperty("id").GetGuid();
    }

    /// <summary>Polls <c>GET /api/documents/{id}</c> until it leaves queued/processing; returns the final view.</summary>
    public async Task<JsonElement> WaitDocumentSettledAsync(Guid id, TimeSpan bound, CancellationToken ct) =>
        await Eventually.UntilAsync(c => GetAsync(stack.Chat, $"api/documents/{id}", c),
            d => d.GetProperty("status").GetString() is not ("queued" or "processing"), bound, $"document {id} should finish ingestion",
            ct);

    /// <summary><c>POST /api/chat/tasks</c> → 202 with Location; returns the task id.</summary>
    public async Task<Guid> CreateChatTaskAsync(string message, CancellationToken ct, ServiceProcess? via = null)
    {
        var request = stack.Request(HttpMethod.Post, "api/chat/tasks", new { message });
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        var json = await ExpectAsync(via ?? stack.Chat, request, ct, HttpStatusCode.Accepted);
        return json.GetProperty("id").GetGuid();
    }

    /// <summary>Polls a chat task until it is final; returns its view.</summary>
    public async Task<JsonElement> WaitChatTaskFinalAsync(Guid id, TimeSpan bound, CancellationToken ct, ServiceProcess? via = null) =>
        await Eventually.UntilAsync(c => GetAsync(via ?? stack.Chat, $"api/chat/tasks/{id}", c),
            t => FinalTaskStates.Contains(t.GetProperty("status").GetString()), bound, $"chat task {id} should reach a final state", ct);

    /// <summary><c>POST /api/suites</c> → 201; returns the suite id.</summary>
    public async Task<Guid> CreateSuiteAsync(object suite, CancellationToken ct)
    {
        var json = await ExpectAsync(stack.Evaluation, stack.Request(HttpMethod.Post, "api/suites", suite), ct, HttpStatusCode.Created);
        return json.GetProperty("id").GetGuid();
    }

    /// <summary><c>POST /api/evaluations</c> (+ Idempotency-Key) → 202; returns the run id.</summary>
    public async Task<Guid> StartEvaluationAsync(object options, CancellationToken ct)
    {
        var request = stack.Request(HttpMethod.Post, "api/evaluations", options);
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        var json = await ExpectAsync(stack.Evaluation, request, ct, HttpStatusCode.Accepted);
        return json.GetProperty("id").GetGuid();
    }

    /// <summary>Polls a run until it is final (succeeded, failed, cancelled, timed_out); returns its view.</summary>
    public async Task<JsonElement> WaitEvaluationFinalAsync(Guid id, TimeSpan bound, CancellationToken ct) =>
        await Eventually.UntilAsync(c => GetAsync(stack.Evaluation, $"api/evaluations/{id}", c),
            r => FinalTaskStates.Contains(r.GetProperty("status").GetString()), bound, $"evaluation {id} should finish", ct);

    /// <summary><c>POST /api/destinations</c> (admin) → 201; returns the destination id.</summary>
    public async Task<Guid> CreateDestinationAsync(object destination, CancellationToken ct)
    {
        var json = await ExpectAsync(stack.Distributor, stack.Request(HttpMethod.Post, "api/destinations", destination, admin: true), ct,
            HttpStatusCode.Created);
        return json.GetProperty("id").GetGuid();
    }

    /// <summary><c>POST /api/events</c> → 202; returns the distribution ids.</summary>
    public async Task<IReadOnlyList<Guid>> PostEventAsync(string type, object payload, CancellationToken ct, ServiceProcess? via = null)
    {
        var request = stack.Request(HttpMethod.Post, "api/events", new { type, payload }, publisher: true);
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        var json = await ExpectAsync(via ?? stack.Distributor, request, ct, HttpStatusCode.Accepted);
        return json.GetProperty("distributions").EnumerateArray().Select(d => d.GetProperty("id").GetGuid()).ToList();
    }

    /// <summary>The status of a distribution (<c>GET /api/distributions/{id}</c>).</summary>
    public async Task<string> DistributionStatusAsync(Guid id, CancellationToken ct) =>
        (await GetAsync(stack.Distributor, $"api/distributions/{id}", ct, admin: true)).GetProperty("status").GetString()!;

    /// <summary>A fresh Standard Webhooks signing secret, <c>whsec_&lt;base64 of 32 random bytes&gt;</c>.</summary>
    public static string NewSigningSecret() =>
        "whsec_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
