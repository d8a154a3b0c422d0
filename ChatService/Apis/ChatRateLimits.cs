using ServiceDefaults.RateLimiting;

namespace ChatService.Apis;

/// <summary>ChatService's per-user rate-limit policies (options under <c>RateLimits:&lt;policy&gt;</c>, see README "Rate
/// limits").</summary>
public static class ChatRateLimits
{
    /// <summary><c>POST /api/chat</c> (JSON and streaming), <c>POST /v1/chat/completions</c> and <c>POST /api/chat/tasks</c>.</summary>
    public const string Chat = "chat";

    /// <summary><c>POST /api/documents</c>.</summary>
    public const string Uploads = "uploads";

    public static IHostApplicationBuilder AddChatRateLimits(this IHostApplicationBuilder builder) =>
        builder
            .AddUserRateLimit(Chat, new UserRateLimitOptions { PermitLimit = 60, Window = TimeSpan.FromMinutes(1) })
            .AddUserRateLimit(Uploads, new UserRateLimitOptions { PermitLimit = 30, Window = TimeSpan.FromMinutes(1) });
}

/// <summary>A rate-limit refusal on <c>/v1/*</c> in OpenAI's error shape (the SDKs turn it into a RateLimitError and honour
/// Retry-After).</summary>
internal sealed class OpenAiRateLimitRejection : IRateLimitRejectionWriter
{
    public static readonly OpenAiRateLimitRejection Instance = new();

    public async ValueTask WriteAsync(HttpContext context, string detail, CancellationToken cancellationToken) =>
        await context.Response.WriteAsJsonAsync(new OpenAiError(429, "rate_limit_error", detail, null, "rate_limit_exceeded").Body,
            cancellationToken);
}
