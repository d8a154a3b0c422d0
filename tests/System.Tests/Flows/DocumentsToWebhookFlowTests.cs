using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using SystemTests.Harness;
using Testing;
using Xunit.Abstractions;

namespace SystemTests.Flows;

/// <summary>
/// Issue 7, flow 1, across the three service processes: two documents uploaded to ChatService become ready, chat
/// (JSON and SSE) cites them, a suite built from them runs on EvaluationService, DistributorService delivers
/// <c>evaluation.completed</c> to a webhook sink with a valid Standard Webhooks signature, and the HTML report the
/// event links to is reachable.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class DocumentsToWebhookFlowTests(SystemDependencies deps, ITestOutputHelper output)
{
    private const string TurbineFact = "The Zephyr turbine produces forty megawatts at the Halden plant.";
    private const string TurbineQuestion = "How many megawatts does the Zephyr turbine produce at Halden?";
    private const string CipherFact = "The Quorvex protocol rotates its telemetry cipher keys every ninety seconds.";
    private const string CipherQuestion = "How often does the Quorvex protocol rotate its telemetry cipher keys?";
    private static readonly TimeSpan IngestionBound = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RunBound = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan DeliveryBound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Documents_are_cited_by_chat_evaluated_from_their_content_and_the_html_report_is_reachable()
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = budget.Token;
        var stack = await deps.GetStackAsync(nameof(DocumentsToWebhookFlowTests), ct);
        await deps.RestoreAllAsync(ct);
        var api = new StackApi(stack);
        var (turbine, cipher) = await UploadBothDocumentsAsync(api, ct);

        // Chat, JSON: the answer is the passage's sentence (the simulator answers from the prompt's context, so this
        // proves retrieval put the document in the prompt) and the citation names the document.
        var json = await api.ExpectAsync(stack.Chat, stack.Request(HttpMethod.Post, "api/chat", new { message = TurbineQuestion }), ct,
            HttpStatusCode.OK);
        Assert.False(json.GetProperty("degraded").GetBoolean(), json.ToString());
        Assert.Contains("forty megawatts", json.GetProperty("answer").GetString(), StringComparison.Ordinal);
        Assert.Contains(turbine, CitedDocuments(json.GetProperty("citations")));

        // Chat, SSE: token* → citations → final; the tokens make up the final answer.
        var events = await ChatStreamAsync(stack, CipherQuestion, ct);
        Assert.Equal("final", events[^1].Name);
        Assert.Equal("citations", events[^2].Name);
        Assert.All(events.SkipLast(2), e => Assert.Equal("token", e.Name));
        var final = events[^1].Data;
        var streamedText = string.Concat(events.SkipLast(2).Select(e => e.Data.GetProperty("text").GetString()));
        Assert.Equal(final.GetProperty("answer").GetString(), streamedText);
        Assert.Contains("every ninety seconds", streamedText, StringComparison.Ordinal);
        Assert.Contains(cipher, CitedDocuments(events[^2].Data));

        // The suite is built from the documents' content with POST /api/suites so its scores are known exactly;
        // generation from the same documents is proven by its own test below.
        var runId = await RunSuiteOfBothDocumentsAsync(api, turbine, cipher, ct);
        var report = await api.GetAsync(stack.Evaluation, $"api/evaluations/{runId}/report", ct);
        var outcomes = report.GetProperty("cases").EnumerateArray()
            .SelectMany(c => c.GetProperty("repetitions").EnumerateArray().Select(r => r.GetProperty("outcome").GetString())).ToList();
        Assert.True(outcomes is ["passed", "passed"], $"both cases answered from their documents should pass: {report}");
        await AssertHtmlReportAsync(stack, $"/api/evaluations/{runId}/report.html", ct);
    }

    [Fact]
    public async Task Distributor_delivers_an_evaluation_event_to_the_webhook_with_a_valid_standard_webhooks_signature()
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = budget.Token;
        var stack = await deps.GetStackAsync(nameof(DocumentsToWebhookFlowTests), ct);
        await deps.RestoreAllAsync(ct);
        var api = new StackApi(stack);
        // Its own event type: the stack is shared with the evaluation flow, whose hook subscribes to evaluation.completed.
        var eventType = $"systemtests.signed-{Guid.NewGuid():N}";
        var (hookPath, secret) = await SubscribeSinkAsync(api, ct, eventType);

        var runId = Guid.NewGuid();
        var distributions = await api.PostEventAsync(eventType, new { runId, status = "succeeded" }, ct);
        var distribution = Assert.Single(distributions);
        var request = await SignedDeliveryAsync(hookPath, secret, ct);
        Assert.Equal(distribution.ToString(), request.Header("webhook-id"));
        using var body = JsonDocument.Parse(request.BodyBytes);
        Assert.Equal(runId, body.RootElement.GetProperty("data").GetProperty("runId").GetGuid());
        await Eventually.UntilAsync(async c => await api.DistributionStatusAsync(distribution, c) == "succeeded", DeliveryBound,
            "the distribution should be recorded as succeeded", ct);
    }

    [Fact]
    public async Task Evaluation_completed_reaches_the_subscribed_webhook_signed_and_its_report_link_is_reachable()
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = budget.Token;
        var stack = await deps.GetStackAsync(nameof(DocumentsToWebhookFlowTests), ct);
        await deps.RestoreAllAsync(ct);
        var api = new StackApi(stack);
        // Subscribed before the run ends: the event fans out at intake time.
        var (hookPath, secret) = await SubscribeSinkAsync(api, ct);
        var (turbine, cipher) = await UploadBothDocumentsAsync(api, ct);
        var runId = await RunSuiteOfBothDocumentsAsync(api, turbine, cipher, ct);

        var request = await SignedDeliveryAsync(hookPath, secret, ct);
        using var body = JsonDocument.Parse(request.BodyBytes);
        Assert.Equal("evaluation.completed", body.RootElement.GetProperty("type").GetString());
        var data = body.RootElement.GetProperty("data");
        Assert.Equal(runId, data.GetProperty("runId").GetGuid());
        Assert.Equal("succeeded", data.GetProperty("status").GetString());
        var htmlUrl = data.GetProperty("htmlReportUrl").GetString()!;
        await AssertHtmlReportAsync(stack, Uri.TryCreate(htmlUrl, UriKind.Absolute, out var absolute) ? absolute.PathAndQuery : htmlUrl,
            ct);
        // Delivered once: one distribution id at the sink.
        Assert.Single(deps.Sink.RequestsTo(hookPath).Select(r => r.Header("webhook-id")).Distinct());
    }

    /// <summary>
    /// Issue 17: ChatService publishes <c>document.ready</c> through its events outbox to the real DistributorService (as
    /// <c>chatservice</c>, which <c>Distributor:Publishers</c> grants <c>document.*</c>), which delivers it, signed, to a
    /// webhook subscribed to <c>document.*</c>.
    /// </summary>
    [Fact]
    public async Task Document_ready_reaches_a_webhook_subscribed_to_document_events_with_a_valid_signature()
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = budget.Token;
        var stack = await deps.GetStackAsync(nameof(DocumentsToWebhookFlowTests), ct);
        await deps.RestoreAllAsync(ct);
        var api = new StackApi(stack);
        var (hookPath, secret) = await SubscribeSinkAsync(api, ct, "document.*");

        var id = await api.UploadDocumentAsync($"notes-{Guid.NewGuid():N}.txt", "Field notes",
            $"Field notes {Guid.NewGuid():N}.\n\nThe Veldran bridge opens at dawn and closes at dusk every day.\n", ct);
        var document = await api.WaitDocumentSettledAsync(id, IngestionBound, ct);
        Assert.True(document.GetProperty("status").GetString() == "ready", $"document {id} ended {document}\n{stack.Chat.LogTail(30)}");

        // why: the hook may also get the events of documents an earlier test uploaded; this document's is the one checked
        var request = await Eventually.UntilAsync(_ => Task.FromResult(deps.Sink.RequestsTo(hookPath).FirstOrDefault(r => IsReadyEventOf(r,
            id))), r => r is not null, DeliveryBound, $"document.ready of {id} should reach the hook\n{stack.Chat.LogTail(30)}", ct);
        output.WriteLine($"delivered: {request!.Body}");
        Assert.Null(StandardWebhookSignature.Verify(request, secret, DateTimeOffset.UtcNow));
        Assert.Equal(request.Header("webhook-id"), request.Header("Idempotency-Key"));
        using var body = JsonDocument.Parse(request.BodyBytes);
        var data = body.RootElement.GetProperty("data");
        Assert.Equal("alice", data.GetProperty("owner").GetString());
        Assert.True(data.GetProperty("chunks").GetInt32() > 0, data.ToString());
    }

    [Fact]
    public async Task Suite_generated_from_uploaded_documents_has_cases_quoted_from_them()
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = budget.Token;
        var stack = await deps.GetStackAsync(nameof(DocumentsToWebhookFlowTests), ct);
        await deps.RestoreAllAsync(ct);
        var api = new StackApi(stack);
        var (turbine, cipher) = await UploadBothDocumentsAsync(api, ct);

        var request = stack.Request(HttpMethod.Post, "api/suites/generate",
            new { documentIds = new[] { turbine.ToString(), cipher.ToString() }, count = 4, name = "system-tests generated" });
        var accepted = await api.ExpectAsync(stack.Evaluation, request, ct, HttpStatusCode.Accepted);
        var suiteId = accepted.GetProperty("id").GetGuid();
        var suite = await Eventually.UntilAsync(c => api.GetAsync(stack.Evaluation, $"api/suites/{suiteId}", c),
            s => s.GetProperty("status").GetString() != "generating", RunBound, "suite generation should end", ct);
        output.WriteLine(suite.ToString());
        Assert.True(suite.GetProperty("status").GetString() == "ready", $"generation ended {suite}\n{stack.Evaluation.LogTail(30)}");
        var quoted = suite.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("expectedAnswer").GetString()).ToList();
        Assert.Contains(quoted, q => q is not null && (TurbineFact.Contains(q.TrimEnd('.'), StringComparison.OrdinalIgnoreCase)
                                                       || CipherFact.Contains(q.TrimEnd('.'), StringComparison.OrdinalIgnoreCase)));
    }

    private async Task<(string HookPath, string Secret)> SubscribeSinkAsync(StackApi api, CancellationToken ct,
        string eventType = "evaluation.completed")
    {
        var hookPath = $"/hooks/evaluations-{Guid.NewGuid():N}";
        var secret = StackApi.NewSigningSecret();
        await api.CreateDestinationAsync(new
        {
            name = "system-tests evaluation hook " + hookPath,
            url = deps.Sink.UrlFor(hookPath).ToString(),
            eventTypes = new[] { eventType },
            signingSecret = secret,
            timeoutSeconds = 10,
        }, ct);
        return (hookPath, secret);
    }

    /// <summary>The first delivery to the path, verified independently as Standard Webhooks.</summary>
    private async Task<WebhookSink.RecordedRequest> SignedDeliveryAsync(string hookPath, string secret, CancellationToken ct)
    {
        var delivered = await deps.Sink.WaitForRequestsAsync(hookPath, 1, DeliveryBound, ct);
        var request = delivered[0];
        output.WriteLine($"delivered: {request.Body}");
        Assert.Equal("application/json", request.Header("Content-Type")?.Split(';')[0]);
        Assert.Null(StandardWebhookSignature.Verify(request, secret, DateTimeOffset.UtcNow));
        Assert.Equal(request.Header("webhook-id"), request.Header("Idempotency-Key"));
        return request;
    }

    private static async Task<Guid> RunSuiteOfBothDocumentsAsync(StackApi api, Guid turbine, Guid cipher, CancellationToken ct)
    {
        var suiteId = await api.CreateSuiteAsync(new
        {
            name = "system-tests documents suite",
            cases = new object[]
            {
                new { question = TurbineQuestion, expectedAnswer = TurbineFact, expectedKeywords = new[] { "forty megawatts" },
                    expectedSources = new[] { turbine.ToString() } },
                new { question = CipherQuestion, expectedAnswer = CipherFact, expectedKeywords = new[] { "ninety seconds" },
                    expectedSources = new[] { cipher.ToString() } },
            },
        }, ct);
        var runId = await api.StartEvaluationAsync(new { suiteId, parallelism = 2, caseTimeoutSeconds = 60 }, ct);
        var run = await api.WaitEvaluationFinalAsync(runId, RunBound, ct);
        Assert.True(run.GetProperty("status").GetString() == "succeeded", $"run ended {run}\n{api.Stack.Evaluation.LogTail(30)}");
        Assert.Equal(2, run.GetProperty("progress").GetProperty("done").GetInt32());
        return runId;
    }

    private static async Task AssertHtmlReportAsync(SystemStack stack, string path, CancellationToken ct)
    {
        using var html = stack.Request(HttpMethod.Get, path);
        using var page = await stack.Evaluation.Http.SendAsync(html, ct);
        var markup = await page.Content.ReadAsStringAsync(ct);
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"GET {path} answered {(int)page.StatusCode}: {markup}");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<svg", markup, StringComparison.Ordinal);
    }

    private async Task<(Guid Turbine, Guid Cipher)> UploadBothDocumentsAsync(StackApi api, CancellationToken ct)
    {
        var turbine = await api.UploadDocumentAsync("turbines.txt", "Halden turbines",
            $"Halden plant notes.\n\n{TurbineFact} Its blades are inspected each spring by the maintenance crew.\n", ct);
        var cipher = await api.UploadDocumentAsync("quorvex.txt", "Quorvex protocol",
            $"Quorvex protocol overview.\n\n{CipherFact} Sessions resume after a reconnect without a new handshake.\n", ct);
        foreach (var id in new[] { turbine, cipher })
        {
            var document = await api.WaitDocumentSettledAsync(id, IngestionBound, ct);
            Assert.True(document.GetProperty("status").GetString() == "ready",
                $"document {id} ended {document}\n{api.Stack.Chat.LogTail(30)}");
            Assert.True(document.GetProperty("chunks").GetInt32() > 0, document.ToString());
        }

        output.WriteLine($"documents ready: {turbine}, {cipher}");
        return (turbine, cipher);
    }

    private static bool IsReadyEventOf(WebhookSink.RecordedRequest request, Guid documentId)
    {
        using var body = JsonDocument.Parse(request.BodyBytes);
        return body.RootElement.ValueKind == JsonValueKind.Object
               && body.RootElement.GetProperty("type").GetString() == "document.ready"
               && body.RootElement.GetProperty("data").GetProperty("documentId").GetGuid() == documentId;
    }

    private static List<Guid> CitedDocuments(JsonElement citations) =>
        citations.EnumerateArray().Select(c => c.GetProperty("documentId").GetGuid()).ToList();

    private static async Task<List<(string Name, JsonElement Data)>> ChatStreamAsync(SystemStack stack, string message,
        CancellationToken ct)
    {
        using var request = stack.Request(HttpMethod.Post, "api/chat", new { message });
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await stack.Chat.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"SSE chat answered {(int)response.StatusCode}: {text}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<(string, JsonElement)>();
        foreach (var frame in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = frame.Split('\n');
            var name = lines.FirstOrDefault(l => l.StartsWith("event:", StringComparison.Ordinal))?["event:".Length..].Trim();
            var data = string.Join('\n', lines.Where(l => l.StartsWith("data:",
                StringComparison.Ordinal)).Select(l => l["data:".Length..].TrimStart()));
            if (name is null)
            {
                continue; // a comment (keep-alive) frame
            }

            using var doc = JsonDocument.Parse(data);
            events.Add((name, doc.RootElement.Clone()));
        }

        Assert.True(events.Count >= 3, $"expected token*, citations, final: {text}");
        return events;
    }
}
