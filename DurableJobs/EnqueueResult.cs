namespace DurableJobs;

public sealed record EnqueueResult(JobSnapshot Job, bool Created);
