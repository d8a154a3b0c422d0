using System.Text.Json;

namespace OllamaSimulator;

/// <summary>Sends a <see cref="CompletionJob"/> as NDJSON or as one object, injecting the chat fault profile.</summary>
internal static class CompletionResponder
{
    private static readonly TimeSpan CutGrace = TimeSpan.FromMilliseconds(100);

    public static async Task RespondAsync(HttpContext context, CompletionJob job, SimulatorServices services,
        CancellationToken cancellationToken)
    {
        var faults = services.State.Faults.Chat;
        if (await FaultGate.RejectedAsync(context, faults, services.State, services.Time, cancellationToken))
        {
            return;
        }

        var schedule = new LineSchedule(faults, job.Tokens.Count, services.Time, job.StartTimestamp);
        if (job.Stream)
        {
            await StreamAsync(context, job, faults, schedule, services.Time, cancellationToken);
        }
        else
        {
            await RespondWholeAsync(context, job, faults, schedule, services.Time, cancellationToken);
        }
    }

    private static async Task StreamAsync(
        HttpContext context, CompletionJob job, FaultSettings faults, LineSchedule schedule, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var count = job.Tokens.Count;
        for (var line = 0; line <= count; line++)
        {
            if (line == Math.Min(faults.MalformedLineAfterTokens ?? -1, count))
            {
                await OllamaHttp.WriteRawLineAsync(context, $"{{\"model\":\"{job.Model}\",\"created_at\":", cancellationToken);
            }

            if (line == Math.Min(faults.ErrorLineAfterTokens ?? -1, count))
            {
                await OllamaHttp.WriteLineAsync(context, new { error = faults.ErrorMessage }, cancellationToken);
                return;
            }

            if (line == Math.Min(faults.CutAfterTokens ?? -1, count))
            {
                await CutAsync(context, time, cancellationToken);
                return;
            }

            if (line == Math.Min(faults.StallAfterTokens ?? -1, count))
            {
                await StallAsync(context, time, cancellationToken);
                return;
            }

            await schedule.WaitForLineAsync(line, cancellationToken);
            if (line < count)
            {
                await OllamaHttp.WriteLineAsync(context, job.TokenLine(job.Tokens[line], time.GetUtcNow()), cancellationToken);
            }
        }

        var final = job.FinalLine("", count, time.GetUtcNow(), time.GetElapsedTime(job.StartTimestamp));
        await OllamaHttp.WriteLineAsync(context, final, cancellationToken);
    }

    /// <summary>
    /// Holds the connection open and silent until the client leaves. The headers are sent first (as Ollama sends them
    /// with the first line), so a stall at 0 tokens is a response that started and never produced a line.
    /// </summary>
    internal static async Task StallAsync(HttpContext context, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!context.Response.HasStarted)
        {
            await context.Response.StartAsync(cancellationToken);
            await context.Response.Body.FlushAsync(cancellationToken);
        }

        await Task.Delay(Timeout.InfiniteTimeSpan, time, cancellationToken);
    }

    /// <summary>
    /// Aborts the connection. Kestrel drops output its socket loop has not sent yet, so the lines already flushed
    /// get a short grace period first; the client then reads them and hits a premature end of the response.
    /// </summary>
    private static async Task CutAsync(HttpContext context, TimeProvider time, CancellationToken cancellationToken)
    {
        if (context.Response.HasStarted)
        {
            await Task.Delay(CutGrace, time, cancellationToken);
        }

        context.Abort();
    }

    /// <summary>A whole JSON answer whose first half is sent (with its full Content-Length) before the stall.</summary>
    internal static async Task StallHalfwayAsync(HttpContext context, byte[] body, TimeProvider time, CancellationToken cancellationToken)
    {
        context.Response.ContentType = OllamaHttp.JsonContentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body.AsMemory(0, body.Length / 2), cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
        await Task.Delay(Timeout.InfiniteTimeSpan, time, cancellationToken);
    }

    /// <summary>Non-streaming: mid-stream faults become a cut connection, a 500 error, or a truncated body.</summary>
    private static async Task RespondWholeAsync(
        HttpContext context, CompletionJob job, FaultSettings faults, LineSchedule schedule, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (faults.StallAfterTokens is not null)
        {
            await StallHalfwayAsync(context, JsonSerializer.SerializeToUtf8Bytes(
                job.FinalLine(string.Concat(job.Tokens), job.Tokens.Count, time.GetUtcNow(), time.GetElapsedTime(job.StartTimestamp)),
                OllamaJson.Options), time, cancellationToken);
            return;
        }

        await schedule.WaitForLineAsync(job.Tokens.Count, cancellationToken);
        if (faults.CutAfterTokens is not null)
        {
            context.Abort();
            return;
        }

        if (faults.ErrorLineAfterTokens is not null)
        {
            await OllamaHttp.WriteErrorAsync(context, StatusCodes.Status500InternalServerError, faults.ErrorMessage, cancellationToken);
            return;
        }

        if (faults.MalformedLineAfterTokens is not null)
        {
            context.Response.ContentType = OllamaHttp.JsonContentType;
            await context.Response.WriteAsync($"{{\"model\":\"{job.Model}\",\"created_at\":", cancellationToken);
            return;
        }

        var whole = job.FinalLine(string.Concat(job.Tokens), job.Tokens.Count, time.GetUtcNow(), time.GetElapsedTime(job.StartTimestamp));
        await OllamaHttp.WriteJsonAsync(context, whole, cancellationToken);
    }
}
