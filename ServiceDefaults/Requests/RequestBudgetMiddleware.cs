using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.Options;

namespace ServiceDefaults.Requests;

/// <summary>
/// Runs after the request-timeouts middleware. Records the request's deadline and, when the caller's
/// <c>X-Request-Timeout-Ms</c> header asks for less time than the endpoint allows, shortens
/// <see cref="HttpContext.RequestAborted"/> to it and answers 504 when it runs out.
/// </summary>
internal sealed class RequestBudgetMiddleware(
    RequestDelegate next,
    IOptionsMonitor<RequestTimeoutOptions> timeouts,
    IOptionsMonitor<ServiceDefaultsOptions> defaults,
    InFlightRequests inFlight,
    TimeProvider time)
{
    public async Task InvokeAsync(HttpContext context)
    {
        inFlight.Enter();
        try
        {
            await InvokeWithBudgetAsync(context);
        }
        finally
        {
            inFlight.Leave();
        }
    }

    private async Task InvokeWithBudgetAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<DisableRequestTimeoutAttribute>() is not null)
        {
            await next(context);
            return;
        }

        var endpointBudget = EndpointTimeout(endpoint) ?? defaults.CurrentValue.DefaultRequestTimeout;
        var requested = RequestedTimeout(context.Request);
        var budget = requested is { } r && r < endpointBudget ? r : endpointBudget;
        context.Features.Set(new RequestBudget(time.GetUtcNow() + budget, time));

        if (requested is null || requested >= endpointBudget)
        {
            await next(context);
            return;
        }

        using var shortened = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        shortened.CancelAfter(budget);
        var original = context.RequestAborted;
        context.RequestAborted = shortened.Token;
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (shortened.IsCancellationRequested && !original.IsCancellationRequested
                                                 && !context.Response.HasStarted)
        {
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
        }
        finally
        {
            context.RequestAborted = original;
        }
    }

    private TimeSpan? EndpointTimeout(Endpoint? endpoint)
    {
        if (endpoint?.Metadata.GetMetadata<RequestTimeoutAttribute>() is { } attribute)
        {
            if (attribute.Timeout is { } timeout)
            {
                return timeout;
            }

            if (attribute.PolicyName is { } name && timeouts.CurrentValue.Policies.TryGetValue(name, out var named))
            {
                return named.Timeout;
            }
        }

        if (endpoint?.Metadata.GetMetadata<RequestTimeoutPolicy>() is { Timeout: { } policyTimeout })
        {
            return policyTimeout;
        }

        return timeouts.CurrentValue.DefaultPolicy?.Timeout;
    }

    private static TimeSpan? RequestedTimeout(HttpRequest request) =>
        request.Headers.TryGetValue(RequestBudget.HeaderName, out var values)
        && long.TryParse(values.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms > 0
            ? TimeSpan.FromMilliseconds(ms)
            : null;
}
