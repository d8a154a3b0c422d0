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
            stack.Request(HttpMethod.Post, "api/chat", new { message = "Is the database there?" }, budget: ChatBudget), 503, "DEPENDENCY_UNAVAILABLE",
            cancellationToken),
        ApiCheck.IntakeAccepted => await IntakeAsync(stack, expectAccepted: true, cancellationToken),
        ApiCheck.IntakeRefused => await IntakeAsync(stack, expectAccepted: false, cancellationToken),
        ApiCheck.EvaluationRefused => await ExpectProblemAsync(stack.Evaluation, stack.Request(HttpMethod.Get, "api/suites"), 503,
            "DEPENDENCY_UNAVAILABLE", cancellationToken),
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
                    : $"POST /api/events answered {(int?)response?.StatusCode ?? 0} after {elapsed.TotalMilliseconds:0} ms, expected 202: {body}";
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
                    return $"{request.Method} {request.RequestUri} on {service.Name} answered {(int)response.StatusCode}, expected {status}: {body}";
                }

                using var json = JsonDocument.Parse(body);
                var actual = json.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
                return actual == code ? null : $"{request.Method} {request.RequestUri} on {service.Name}: problem code {actual}, expected {code}: {body}";
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
}
