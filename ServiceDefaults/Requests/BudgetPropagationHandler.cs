using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace ServiceDefaults.Requests;

/// <summary>Forwards what is left of the inbound request's budget to the service being called.</summary>
internal sealed class BudgetPropagationHandler(IHttpContextAccessor accessor) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (accessor.HttpContext?.GetRequestBudget() is { } budget && !request.Headers.Contains(RequestBudget.HeaderName))
        {
            var ms = (long)Math.Max(1, budget.Remaining.TotalMilliseconds);
            request.Headers.TryAddWithoutValidation(RequestBudget.HeaderName, ms.ToString(CultureInfo.InvariantCulture));
        }

        return base.SendAsync(request, cancellationToken);
    }
}
