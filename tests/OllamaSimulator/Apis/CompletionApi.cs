using System.Text.Json;

namespace OllamaSimulator;

/// <summary>POST /api/chat and POST /api/generate.</summary>
internal static class CompletionApi
{
    public static IEndpointRouteBuilder MapCompletionApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/chat", (HttpContext context, SimulatorServices services) =>
            services.State.TrackAsync(context, ct => ChatAsync(context, services, ct)));
        app.MapPost("/api/generate", (HttpContext context, SimulatorServices services) =>
            services.State.TrackAsync(context, ct => GenerateAsync(context, services, ct)));
        return app;
    }

    private static async Task ChatAsync(HttpContext context, SimulatorServices services, CancellationToken cancellationToken)
    {
        var start = services.Time.GetTimestamp();
        var (body, error) = await OllamaHttp.ReadBodyAsync<ChatRequestBody>(context.Request, cancellationToken);
        if (body is null)
        {
            await OllamaHttp.WriteErrorAsync(context, StatusCodes.Status400BadRequest, error!, cancellationToken);
            return;
        }

        var messages = (body.Messages ?? [])
            .Select(m => new ReceivedMessage(m.Role ?? "user", m.Content ?? ""))
            .ToList();
        var request = new ReceivedRequest(
            "chat", body.Model ?? "", messages, [], body.Stream ?? true, body.Format, body.Options, services.Time.GetUtcNow());
        await CompleteAsync(context, services, request, messages.Count == 0, body.KeepAlive, start, cancellationToken);
    }

    private static async Task GenerateAsync(HttpContext context, SimulatorServices services, CancellationToken cancellationToken)
    {
        var start = services.Time.GetTimestamp();
        var (body, error) = await OllamaHttp.ReadBodyAsync<GenerateRequestBody>(context.Request, cancellationToken);
        if (body is null)
        {
            await OllamaHttp.WriteErrorAsync(context, StatusCodes.Status400BadRequest, error!, cancellationToken);
            return;
        }

        var messages = new List<ReceivedMessage>();
        if (!string.IsNullOrEmpty(body.System))
        {
            messages.Add(new ReceivedMessage("system", body.System));
        }

        messages.Add(new ReceivedMessage("user", body.Prompt ?? ""));
        var request = new ReceivedRequest(
            "generate", body.Model ?? "", messages, [], body.Stream ?? true, body.Format, body.Options, services.Time.GetUtcNow());
        await CompleteAsync(context, services, request, string.IsNullOrEmpty(body.Prompt), body.KeepAlive, start, cancellationToken);
    }

    private static async Task CompleteAsync(
        HttpContext context,
        SimulatorServices services,
        ReceivedRequest request,
        bool loadOnly,
        JsonElement? keepAlive,
        long start,
        CancellationToken cancellationToken)
    {
        services.State.Record(request);
        if (string.IsNullOrWhiteSpace(request.Model))
        {
            await OllamaHttp.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "model is required", cancellationToken);
            return;
        }

        var model = services.Catalog.Find(request.Model);
        if (model is null)
        {
            await OllamaHttp.WriteErrorAsync(context, StatusCodes.Status404NotFound, $"model '{request.Model}' not found",
                cancellationToken);
            return;
        }

        if (model.IsEmbeddingOnly)
        {
            await OllamaHttp.WriteErrorAsync(
                context, StatusCodes.Status400BadRequest, $"\"{request.Model}\" does not support {request.Endpoint}", cancellationToken);
            return;
        }

        var isChat = request.Endpoint == "chat";
        if (loadOnly)
        {
            var reason = IsUnload(keepAlive) ? "unload" : "load";
            await CompletionResponder.RespondAsync(
                context, new CompletionJob(isChat, request.Model, [], Stream: false, reason, 0, start), services, cancellationToken);
            return;
        }

        var conversation = new Conversation(request.Messages);
        var text = request.Format is { ValueKind: JsonValueKind.Object } or { ValueKind: JsonValueKind.String }
            && !IsEmptyString(request.Format.Value)
                ? StructuredAnswerComposer.Compose(conversation, request.Format.Value)
                : AnswerComposer.Compose(conversation);
        var tokens = TokenPieces.Split(text);
        var limit = request.NumPredict is > 0 ? request.NumPredict.Value : int.MaxValue;
        var capped = tokens.Count > limit;
        var job = new CompletionJob(
            isChat,
            request.Model,
            capped ? tokens.Take(limit).ToList() : tokens,
            request.Stream,
            capped ? "length" : "stop",
            conversation.PromptTokens,
            start);
        await CompletionResponder.RespondAsync(context, job, services, cancellationToken);
    }

    private static bool IsEmptyString(JsonElement format) =>
        format.ValueKind == JsonValueKind.String && string.IsNullOrEmpty(format.GetString());

    private static bool IsUnload(JsonElement? keepAlive) => keepAlive switch
    {
        { ValueKind: JsonValueKind.Number } number => number.GetDouble() == 0,
        { ValueKind: JsonValueKind.String } text => text.GetString() is "0" or "0s" or "0m",
        _ => false,
    };
}
