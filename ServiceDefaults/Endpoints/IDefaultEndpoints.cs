using Microsoft.AspNetCore.Routing;

namespace ServiceDefaults.Endpoints;

/// <summary>
/// Endpoints a shared building block adds to every service that registers it, mapped by
/// <c>MapDefaultEndpoints</c> so no service can forget them (DurableJobs registers its <c>/admin/queues</c>,
/// <c>/admin/workers</c> and dead-letter routes this way). Register with
/// <c>services.TryAddEnumerable(ServiceDescriptor.Singleton&lt;IDefaultEndpoints, T&gt;())</c>.
/// </summary>
public interface IDefaultEndpoints
{
    void Map(IEndpointRouteBuilder endpoints);
}
