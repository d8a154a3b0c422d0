using System.Diagnostics;
using System.Net;
using System.Text.Json;
using SystemTests.Harness;

namespace SystemTests.Faults;

/// <summary>The API-level cells of the matrix: each makes one call while the fault holds and returns a failure text or null.</summary>
public static class ApiChecks
{
    /// <summary>The budget given to chat calls (<c>X-Request-Timeout-Ms</c>); the answer must come within it plus slack.</summary>
    public static readonly TimeSpan ChatBudget = TimeSpan.FromSeconds(8);

    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(3);

    public static async Task<string?> RunAsync(ApiCheck check, SystemStack stack, CancellationToken cancellationToken) => check switch
    {
        ApiCheck.ChatAnswers => await ChatAsync(stack, expectDegraded: false, cancellationToken),
        ApiCheck.ChatAnswersDegraded => await ChatAsync(stack, expectDegraded: true, cancellationToken),
        ApiCheck.ChatRefusedDependencyUnavailable => await ExpectProblemAsync(stack.Chat,
            stack.Request(HttpMethod.Post, "api/chat", new { message = "Is the database there?" }, budget: ChatBudget), 503,
            "DEPENDENCY_UNAVAILABLE", cancellationToken),
        ApiCheck.IntakeAccepted => await IntakeAsync(stack, expectAccepted: true, cancellationToken),
        ApiCheck.IntakeRefused => await IntakeAsync(stack, expectAccepted: false, cancellationToken),
        ApiCheck.EvaluationRefused => await ExpectProblemAsync(stack.Evaluation, stack.Request(HttpMethod.Get, "api/suites"), 503,
            "DEPENDENCY_UNAVAILABLE", cancellationToken),
        ApiCheck.ChatAnswersPartial => await ModelClosedAfterAsync(stack, StalledChatAsync(stack, cancellationToken), cancellationToken),
        ApiCheck.ChatStreamEndsPartial => await ModelClosedAfterAsync(stack,
            StalledStreamAsync(stack, ChatBudget, ChatBudget + Slack, cancellationToken), cancellationToken),
        ApiCheck.OpenAiEndsWithinBudget => await ModelClosedAfterAsync(stack, StalledOpenAiAsync(stack, cancellationToken),
            cancellationToken),
        ApiCheck.ChatTaskCancelled => await ModelClosedAfterAsync(stack, CancelStalledTaskAsync(stack, cancellationToken),
            cancellationToken),
        ApiCheck.EvaluationRunCancelled => await ModelClosedAfterAsync(stack, CancelStalledRunAsync(stack, cancellationToken),
            cancellationToken),
        ApiCheck.ChatEndsAtIdleBound => await ModelClosedAfterAsync(stack, IdleBoundAsync(stack, cancellationToken), cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(check)),
    };

    /// <summary>Distributor:IntakeTimeout (8 s) plus slack for a loaded machine; the per-statement bound would be 25 s.</summary>
    private static readonly TimeSpan IntakeBound = TimeSpan.FromSeconds(12);

    private static async Task<string?> ChatAsync(SystemStack stack, bool expectDegraded, CancellationToken cancellationToken)
    {
        using var request = stack.Request(HttpMethod.Post, "api/chat", 
            // A question never asked before: a cached answer would hide what the LLM fault does.
            new { message = $"What does the fault matrix say about degraded answers {Guid.NewGuid():N}?" },
            budget: ChatBudget);
        var (response, body, elapsed) = await SendAsync(stack.Chat, request, ChatBudget + Slack, cancellationToken);
        if (response is null)
        {
            return $"POST /api/chat did not answer within {(ChatBudget + Slack).TotalSeconds:0} s (budget {ChatBudget.TotalSeconds:0} s)";
        }

        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return $"POST /api/chat answered {(int)response.StatusCode} after {elapsed.TotalMilliseconds:0} ms: {body}";
            }

            using var json = JsonDocument.Parse(body);
            var degraded = json.RootElement.GetProperty("degraded").GetBoolean();
            return degraded == expectDegraded
                ? null
                : $"POST /api/chat answered degraded={degraded}, expected {expectDegraded}: {body}";
        }
    }

    private static async Task<string?> IntakeAsync(SystemStack stack, bool expectAccepted, CancellationToken cancellationToken)
    {
        using var request = stack.Request(HttpMethod.Post, "api/events",
            new { type = "system.fault-matrix", payload = new { at = DateTimeOffset.UtcNow } }, publisher: true);
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        if (expectAccepted)
        {
            var (response, body, elapsed) = await SendAsync(stack.Distributor, request, TimeSpan.FromSeconds(20), cancellationToken);
            using (response)
            {
                return response?.StatusCode == HttpStatusCode.Accepted
                    ? null
                    : $"POST /api/events answered {(int?)response?.StatusCode ?? 0} after {elapsed.TotalMilliseconds:0} ms, expected " +
                        $"202: {body}";
            }
        }

        // Intake has one budget for all its database work (Distributor:IntakeTimeout, 8 s by default), not one per statement.
        return await ExpectProblemAsync(stack.Distributor, request, 503, "DEPENDENCY_UNAVAILABLE", cancellationToken, IntakeBound);
    }

    /// <summary>
    /// The call must end within the database budget (pool wait 5 s, command 15 s; 25 s bound) with the status and problem code.
    /// </summary>
    private static async Task<string?> ExpectProblemAsync(ServiceProcess service, HttpRequestMessage request, int status, string code,
        CancellationToken cancellationToken, TimeSpan? within = null)
    {
        using (request)
        {
            var bound = within ?? TimeSpan.FromSeconds(25);
            var (response, body, elapsed) = await SendAsync(service, request, bound, cancellationToken);
            if (response is null)
            {
                return $"{request.Method} {request.RequestUri} on {service.Name} did not answer within {bound.TotalSeconds:0} s";
            }

            using (response)
            {
                if ((int)response.StatusCode != status)
                {
                    return $"{request.Method} {request.RequestUri} on {service.Name} answered {(int)response.StatusCode}, expected " +
                        $"{status}: {body}";
                }

                using var json = JsonDocument.Parse(body);
                var actual = json.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
                return actual == code ? null
                    : $"{request.Method} {request.RequestUri} on {service.Name}: problem code {actual}, expected {code}: {body}";
            }
        }
    }

    private static async Task<(HttpResponseMessage? Response, string Body, TimeSpan Elapsed)> SendAsync(
        ServiceProcess service, HttpRequestMessage request, TimeSpan bound, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(bound);
        try
        {
            var response = await service.Http.SendAsync(request, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            return (response, body, stopwatch.Elapsed);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, "", stopwatch.Elapsed);
        }
    }

    /// <summary>ChatService's <c>Llm:IdleTimeout</c> (its default: the services run with the AppHost's settings).</summary>
    private static readonly TimeSpan IdleBound = TimeSpan.FromSeconds(20);

    /// <summary>How long a cancelled task or run may take to show <c>cancelled</c>.</summary>
    private static readonly TimeSpan CancelBound = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs <paramref name="check"/>, then requires that no request to the model is still open: every stalled
    /// generation's connection was closed by the service, not left for the model server to end.
    /// </summary>
    private static async Task<string?> ModelClosedAfterAsync(SystemStack stack, Task<string?> check, CancellationToken cancellationToken)
    {
        var failure = await check;
        var simulator = stack.Dependencies.Simulator;
        try
        {
            await simulator.WaitUntilAsync(s => s.InFlight == 0, Slack, cancellationToken);
        }
        catch (TimeoutException)
        {
            failure = (failure is null ? "" : failure + "; ") +
                $"{simulator.InFlight} request(s) to the model still open {Slack.TotalSeconds:0} s after the check";
        }

        return failure;
    }

    private static async Task<string?> StalledChatAsync(SystemStack stack, CancellationToken cancellationToken)
    {
        using var request = stack.Request(HttpMethod.Post, "api/chat",
            new { message = $"Tell me about the stalled model {Guid.NewGuid():N}" }, budget: ChatBudget);
        var chat = SendAsync(stack.Chat, request, ChatBudget + Slack, cancellationToken);
        await stack.Dependencies.Simulator.WaitUntilAsync(s => s.InFlight >= 1, ChatBudget, cancellationToken);

        // Another user (the admin) is served while the stalled generation holds its slot and its connection.
        using var other = stack.Request(HttpMethod.Get, "api/sessions", admin: true);
        var (otherResponse, otherBody, otherElapsed) = await SendAsync(stack.Chat, other, TimeSpan.FromSeconds(5), cancellationToken);
        using (otherResponse)
        {
            if (otherResponse?.StatusCode != HttpStatusCode.OK || otherElapsed > TimeSpan.FromSeconds(1))
            {
                return $"another user's GET /api/sessions answered {(int?)otherResponse?.StatusCode ?? 0} after " +
                    $"{otherElapsed.TotalMilliseconds:0} ms "
                       + $"while a chat was stalled (must be 200 within 1 s): {otherBody}";
            }
        }

        var (response, body, elapsed) = await chat;
        using (response)
        {
            return response?.StatusCode != HttpStatusCode.OK
                ? $"POST /api/chat on a stalled model answered {(int?)response?.StatusCode ?? 0} after {elapsed.TotalMilliseconds:0} ms " +
                    $"(bound {(ChatBudget + Slack).TotalSeconds:0} s): {body}"
                : ExpectPartial(body, "POST /api/chat");
        }
    }

    private static string? ExpectPartial(string body, string what)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("partial").GetBoolean() && json.RootElement.GetProperty("answer").GetString() is { Length: > 0 }
            ? null
            : $"{what} should answer the tokens it had, flagged partial: {body}";
    }

    /// <summary>SSE chat: the stream must end (within <paramref name="bound"/>) with an <c>error</c> event flagged partial.</summary>
    private static async Task<string?> StalledStreamAsync(SystemStack stack, TimeSpan budget, TimeSpan bound,
        CancellationToken cancellationToken)
    {
        using var request = stack.Request(HttpMethod.Post, "api/chat",
            new { message = $"Tell me about the stalled stream {Guid.NewGuid():N}" }, budget: budget);
        request.Headers.Accept.Add(new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue("text/event-stream"));
        var (response, body, elapsed) = await SendAsync(stack.Chat, request, bound, cancellationToken);
        using (response)
        {
            if (response is null)
            {
                return $"the SSE chat on a stalled model did not end within {bound.TotalSeconds:0} s";
            }

            var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
            var last = events.LastOrDefault() ?? "";
            return last.Contains("event: error", StringComparison.Ordinal) && last.Contains("\"partial\":true", StringComparison.Ordinal)
                   && events.Any(e => e.Contains("event: token", StringComparison.Ordinal))
                ? null
                : $"the SSE chat should stream tokens and end with a partial error event (after {elapsed.TotalMilliseconds:0} ms): {body}";
        }
    }

    private static async Task<string?> StalledOpenAiAsync(SystemStack stack, CancellationToken cancellationToken)
    {
        foreach (var stream in new[] { false, true })
        {
            using var request = stack.Request(HttpMethod.Post, "v1/chat/completions", new
            {
                model = "llama3.2:1b",
                stream,
                messages = new[] { new { role = "user", content = $"Tell me about the stalled completion {Guid.NewGuid():N}" } },
            }, budget: ChatBudget);
            var (response, body, elapsed) = await SendAsync(stack.Chat, request, ChatBudget + Slack, cancellationToken);
            using (response)
            {
                if (response?.StatusCode != HttpStatusCode.OK || !body.Contains("\"finish_reason\":\"length\"", StringComparison.Ordinal))
                {
                    return $"POST /v1/chat/completions (stream: {stream}) on a stalled model answered {(int?)response?.StatusCode ?? 0} " +
                        $"after "
                           + $"{elapsed.TotalMilliseconds:0} ms (bound {(ChatBudget + Slack).TotalSeconds:0} s), expected 200 with " +
                               $"finish_reason length: {body}";
                }
            }
        }

        return null;
    }

    private static async Task<string?> CancelStalledTaskAsync(SystemStack stack, CancellationToken cancellationToken)
    {
        var api = new StackApi(stack);
        var id = await api.CreateChatTaskAsync($"Tell me about the stalled task {Guid.NewGuid():N}", cancellationToken);
        await stack.Dependencies.Simulator.WaitUntilAsync(s => s.InFlight >= 1, TimeSpan.FromSeconds(30), cancellationToken);
        await api.ExpectAsync(stack.Chat, stack.Request(HttpMethod.Post, $"api/chat/tasks/{id}/cancel"), cancellationToken,
            HttpStatusCode.Accepted);
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var task = await api.WaitChatTaskFinalAsync(id, CancelBound, cancellationToken);
            return task.GetProperty("status").GetString() == "cancelled" ? null : $"the cancelled chat task ended {task}";
        }
        catch (TimeoutException ex)
        {
            return $"the chat task stalled on the model was not cancelled within {CancelBound.TotalSeconds:0} s " +
                $"({stopwatch.Elapsed.TotalSeconds:0.0} s): {ex.Message}";
        }
    }

    private static async Task<string?> CancelStalledRunAsync(SystemStack stack, CancellationToken cancellationToken)
    {
        var api = new StackApi(stack);
        var suiteId = await api.CreateSuiteAsync(new
        {
            name = $"stalled model {Guid.NewGuid():N}",
            cases = new object[] { new { question = "Who kept the lighthouse?", expectedAnswer = "the keeper" } },
        }, cancellationToken);
        var runId = await api.StartEvaluationAsync(new { suiteId, parallelism = 1, caseTimeoutSeconds = 120 }, cancellationToken);
        await stack.Dependencies.Simulator.WaitUntilAsync(s => s.InFlight >= 1, TimeSpan.FromSeconds(30), cancellationToken);
        await api.ExpectAsync(stack.Evaluation, stack.Request(HttpMethod.Post, $"api/evaluations/{runId}/cancel"), cancellationToken,
            HttpStatusCode.Accepted, HttpStatusCode.OK);
        try
        {
            var run = await api.WaitEvaluationFinalAsync(runId, CancelBound, cancellationToken);
            return run.GetProperty("status").GetString() == "cancelled" ? null : $"the cancelled run ended {run}";
        }
        catch (TimeoutException ex)
        {
            return $"the evaluation run stalled on the model was not cancelled within {CancelBound.TotalSeconds:0} s: {ex.Message}";
        }
    }

    /// <summary>A 40 s silence after two tokens: JSON and SSE chats (budget 60 s) must end when the 20 s idle bound fires.</summary>
    private static async Task<string?> IdleBoundAsync(SystemStack stack, CancellationToken cancellationToken)
    {
        var budget = TimeSpan.FromSeconds(60);
        // why 10 s over the idle bound: the full test run loads both cores (retrieval, the in-process embedding model in
        // other suites); the check still tells the idle bound (20 s) from the gap (40 s) and the budget (60 s)
        var bound = IdleBound + TimeSpan.FromSeconds(10);
        using var request = stack.Request(HttpMethod.Post, "api/chat",
            new { message = $"Tell me about the long silence {Guid.NewGuid():N}" }, budget: budget);
        var json = SendAsync(stack.Chat, request, bound, cancellationToken);
        var sse = StalledStreamAsync(stack, budget, bound, cancellationToken);
        var (response, body, elapsed) = await json;
        var sseFailure = await sse;
        using (response)
        {
            var jsonFailure = response?.StatusCode != HttpStatusCode.OK
                ? $"POST /api/chat with a 40 s gap answered {(int?)response?.StatusCode ?? 0} after {elapsed.TotalSeconds:0.0} s "
                  + $"(the idle bound is {IdleBound.TotalSeconds:0} s; bound {bound.TotalSeconds:0} s): {body}"
                : ExpectPartial(body, "POST /api/chat with a 40 s gap");
            return jsonFailure is null && sseFailure is null ? null
                : string.Join("; ", new[] { jsonFailure, sseFailure }.Where(f => f is not null));
        }
    }
}
