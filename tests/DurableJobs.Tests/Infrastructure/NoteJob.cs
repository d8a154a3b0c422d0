namespace DurableJobs.Tests.Infrastructure;

/// <summary>The typed job of a test queue registered with <c>AddQueue&lt;NoteJob, TypedScriptedHandler&gt;</c>.</summary>
public sealed record NoteJob(Guid NoteId, string Text);
