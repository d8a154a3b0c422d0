namespace DurableJobs.Tests.Infrastructure;

/// <summary>A row of the "service's own" table, saved together with jobs in one transaction.</summary>
public sealed class Note
{
    public Guid Id { get; set; }

    public string Text { get; set; } = "";
}
