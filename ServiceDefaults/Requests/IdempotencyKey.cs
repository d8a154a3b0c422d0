using Microsoft.AspNetCore.Http;
using ServiceDefaults.Validation;

namespace ServiceDefaults.Requests;

/// <summary>
/// The <c>Idempotency-Key</c> header of a create request, bound with one rule for every service: absent or empty is no
/// key; otherwise at most <see cref="MaxLength"/> characters of storable text (<see cref="TextRules"/>), else 400
/// <c>VALIDATION_FAILED</c> before the handler runs. Take it as an endpoint parameter; the OpenAPI document describes the
/// header on every operation that does.
/// </summary>
public readonly record struct IdempotencyKey(string? Value)
{
    public const string HeaderName = "Idempotency-Key";
    public const int MaxLength = 200;

    public static ValueTask<IdempotencyKey> BindAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var value = context.Request.Headers[HeaderName].ToString();
        if (string.IsNullOrEmpty(value))
        {
            return ValueTask.FromResult(default(IdempotencyKey));
        }

        if (TextRules.Problem(value, MaxLength) is { } problem)
        {
            throw new BadHttpRequestException($"The {HeaderName} header {problem}.", StatusCodes.Status400BadRequest);
        }

        return ValueTask.FromResult(new IdempotencyKey(value));
    }
}
