using DurableJobs.Dispatch;
using DurableJobs.Monitoring;
using DurableJobs.Storage;
using Microsoft.Extensions.Options;

namespace DurableJobs.Admin;

/// <summary>What the admin endpoints need, bundled for <c>[AsParameters]</c>.</summary>
internal sealed record AdminServices(
    QueueRegistry Registry,
    QueueMonitor Monitor,
    WorkerDirectory Workers,
    JobStore Store,
    JobDispatcher Dispatcher,
    IOptionsMonitor<QueueOptions> QueueOptions);
