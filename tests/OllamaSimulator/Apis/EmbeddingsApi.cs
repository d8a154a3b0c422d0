using System.Text.Json;

namespace OllamaSimulator;

/// <summary>POST /api/embed and the legacy POST /api/embeddings. Embeddings never stream, so every fault acts on the whole
/// answer.</summary>
internal static class EmbeddingsApi
{
    public static IEndpointRouteBuilder MapEmbeddingsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/embed", (HttpContext context, SimulatorServices services) =>
            services.State.TrackAsync(context, ct => EmbedAsync(context, services, ct)));
        app.MapPost("/api/embeddings", (HttpContext context, SimulatorServices services) =>
            services.State.TrackAsync(context, ct => LegacyEmbeddingsAsync(context, services, ct)));
        return app;
    }

    private static async Task EmbedAsync(HttpContext context, SimulatorServices services, CancellationToken cancellationToken)
    {
        var start = services.Time.GetTimestamp();
        var (body, error) = await OllamaHttp.ReadBodyAsync<EmbedRequestBody>(context.Request, cancellationToken);
        if (body is null)
        {
            await OllamaHttp.WriteErrorAsync(context, StatusCodes.Status400BadRequest, error!, cancellationToken);
            return;
        }

        var inputs = ParseInputs(body.Input);
        services.State.Record(new ReceivedRequest(
            "embed", body.Model ?? "", [], inputs ?? [], false, null, body.Options, services.Time.GetUtcNow()));
        if (inputs is null)
        {
            await OllamaHttp.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid input type", cancellationToken);
            return;
        }

        if (!await ModelFoundAsync(context, services, body.Model, cancellationToken)
            || !await PassesFaultsAsync(context, services, start, cancellationToken))
        {
            return;
        }

        var vectors = inputs.Select(text => services.Embedder.Embed(text, body.Dimensions)).ToList();
        var promptTokens = inputs.Sum(TextAnalysis.WordCount);
        var response = new EmbedResponseBody(
            body.Model!,
            vectors,
            Math.Max(1, services.Time.GetElapsedTime(start).Ticks * 100),
            1_000_000,
            promptTokens > 0 ? promptTokens : null);
        await OllamaHttp.WriteJsonAsync(context, response, cancellationToken);
    }

    private static async Task LegacyEmbeddingsAsync(HttpContext context, SimulatorServices services, CancellationToken cancellationToken)
    {
        var start = services.Time.GetTimestamp();
        var (body, error) = await OllamaHttp.ReadBodyAsync<LegacyEmbeddingsRequestBody>(context.Request, cancellationToken);
        if (body is null)
        {
            await OllamaHttp.WriteErrorAsync(context, StatusCodes.Status400BadRequest, error!, cancellationToken);
            return;
        }

        var prompt = body.Prompt ?? "";
        services.State.Record(new ReceivedRequest(
            "embeddings", body.Model ?? "", [], [prompt], false, null, body.Options, services.Time.GetUtcNow()));
        if (!await ModelFoundAsync(context, services, body.Model, cancellationToken)
            || !await PassesFaultsAsync(context, services, start, cancellationToken))
        {
            return;
        }

        IReadOnlyList<double> vector = prompt.Length == 0 ? [] : services.Embedder.Embed(prompt).Select(v => (double)v).ToList();
        await OllamaHttp.WriteJsonAsync(context, new LegacyEmbeddingsResponseBody(vector), cancellationToken);
    }

    /// <summary>A string (empty means none) or an array of strings; anything else is null ("invalid input type").</summary>
    private static List<string>? ParseInputs(JsonElement? input)
    {
        switch (input)
        {
            case null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined }:
                return [];
            case { ValueKind: JsonValueKind.String } text:
                return text.GetString() is { Length: > 0 } value ? [value] : [];
            case { ValueKind: JsonValueKind.Array } array when array.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String):
                return array.EnumerateArray().Select(e => e.GetString()!).ToList();
            default:
                return null;
        }
    }

    private static async Task<bool> ModelFoundAsync(HttpContext context, SimulatorServices services, string? model,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(model))
        {
            await OllamaHttp.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "model is required", cancellationToken);
            return false;
        }

        if (services.Catalog.Find(model) is null)
        {
            await OllamaHttp.WriteErrorAsync(context, StatusCodes.Status404NotFound, $"model '{model}' not found", cancellationToken);
            return false;
        }

        return true;
    }

    /// <summary>Busy/error/hang as for chat; delays before the answer; a cut aborts, an error line is a 500, malformed is truncated JSON,
    /// a stall sends half the body and holds the connection silent.</summary>
    private static async Task<bool> PassesFaultsAsync(HttpContext context, SimulatorServices services, long start,
        CancellationToken cancellationToken)
    {
        var faults = services.State.Faults.Embed;
        if (await FaultGate.RejectedAsync(context, faults, services.State, services.Time, cancellationToken))
        {
            return false;
        }

        await new LineSchedule(faults, 0, services.Time, start).WaitForLineAsync(0, cancellationToken);
        if (faults.CutAfterTokens is not null)
        {
            context.Abort();
            return false;
        }

        if (faults.ErrorLineAfterTokens is not null)
        {
            await OllamaHttp.WriteErrorAsync(context, StatusCodes.Status500InternalServerError, faults.ErrorMessage, cancellationToken);
            return false;
        }

        if (faults.StallAfterTokens is not null)
        {
            await CompletionResponder.StallHalfwayAsync(context, "{\"model\":\"x\",\"embeddings\":[[0.1,0.2,0.3]]}"u8.ToArray(),
                services.Time, cancellationToken);
            return false;
        }

        if (faults.MalformedLineAfterTokens is not null)
        {
            context.Response.ContentType = OllamaHttp.JsonContentType;
            await context.Response.WriteAsync("{\"model\":\"x\",\"embeddings\":[[0.1,", cancellationToken);
            return false;
        }

        return true;
    }
}
