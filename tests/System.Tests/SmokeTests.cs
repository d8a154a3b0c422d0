using System.Net;
using SystemTests.Faults;
using SystemTests.Harness;

namespace SystemTests;

/// <summary>The three services start as processes with the AppHost's environment and become ready.</summary>
[Collection(SystemCollection.Name)]
public sealed class SmokeTests(SystemDependencies deps)
{
    [Fact]
    public async Task Every_service_starts_as_a_process_and_becomes_ready_with_the_apphost_environment()
    {
        var stack = await deps.GetStackAsync(nameof(FaultMatrixTests));
        foreach (var service in stack.All)
        {
            var ready = await SystemStack.ProbeReadyAsync(service, CancellationToken.None);
            Assert.True(ready.Code == 200, $"{service.Name}: {ready} {ready.Body}\n{service.LogTail(30)}");
            using var request = stack.Request(HttpMethod.Get, "health/detailed", admin: true);
            using var detailed = await service.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, detailed.StatusCode);
        }
    }
}
