using Microsoft.AspNetCore.Http;

namespace ServiceDefaults.Requests;

public static class RequestBudgetExtensions
{
    /// <summary>The request's budget, or null outside a request that went through the service defaults.</summary>
    public static RequestBudget? GetRequestBudget(this HttpContext context) => context.Features.Get<RequestBudget>();
}
