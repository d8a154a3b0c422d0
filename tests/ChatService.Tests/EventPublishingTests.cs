using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChatService.Data;
using ChatService.Events;
using ChatService.Tests.Infrastructure;
using DurableJobs;
using DurableJobs.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OllamaSimulator;
using Testing;

namespace ChatService.Tests;

/// <summary>
/// Issue 17: ChatService stages <c>document.ready</c>, <c>document.failed</c> and <c>chat.task.completed</c> in the same
/// SaveChanges as the state change (a transactional outbox on DurableJobs) and posts them to DistributorService as
/// <c>chatservice</c> (role publisher, audience distributorservice), retrying while the distributor is down.
/// </summary>
[Collection("dependencies")]
public sealed class EventPublishingTests(DependenciesFixture deps, SharedSimulator simulator)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private async Task<ChatApp> StartAsync(int distributorPort) =>
        await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, (await deps.GetChromaAsync()).BaseAddress, simulator.Server,
            new Dictionary<string, string?>
        {
            ["services:distributorservice:http:0"] = $"http://127.0.0.1:{distributorPort}",
            ["Jobs:Queues:chat-events:RetryInitialDelay"] = "00:00:00.200",
            ["Jobs:Queues:chat-events:RetryMaxDelay"] = "00:00:01",
            ["Events:SendTimeout"] = "00:00:02",
        });

    [Fact]
    public async Task A_distributor_that_is_down_does_not_hold_ingestion_and_gets_the_event_when_it_comes_back()
    {
        var port = FreePort.Next();
        await using var app = await StartAsync(port);
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));

        var id = await alice.UploadTextAsync("bread.txt", SampleDocuments.Bread);
        await alice.WaitForDocumentStatusAsync(id, "ready", Bound);
        // The event waits in the queue, failing its attempts, while nothing listens.
        var pending = await Eventually.UntilAsync(ct => EventJobsAsync(app, id, ct),
            jobs => jobs is [{ Attempt: >= 1, ErrorMessage: not null }], Bound,
            "the events job should have tried and failed while the distributor is down");
        Assert.Equal(JobState.Queued, pending[0].State);

        await using var distributor = await RecordingDistributor.StartAsync(port);
        var received = await distributor.WaitForAsync(e => e.Type == ChatEvents.DocumentReady, Bound);

        Assert.Equal(id, received.Payload.GetProperty("documentId").GetGuid());
        Assert.Equal("bread.txt", received.Payload.GetProperty("fileName").GetString());
        Assert.True(received.Payload.GetProperty("chunks").GetInt32() > 0);
        Assert.Equal($"document.ready:{id:N}", received.IdempotencyKey);
        Assert.Equal("chatservice", received.Subject);
        Assert.Equal(["publisher"], received.Roles);
        await Eventually.UntilAsync(ct => EventJobsAsync(app, id, ct), jobs => jobs is [{ State: JobState.Succeeded }], Bound,
            "the events job should end succeeded");
    }

    [Fact]
    public async Task A_document_that_cannot_be_read_publishes_document_failed_with_the_reason()
    {
        var port = FreePort.Next();
        await using var distributor = await RecordingDistributor.StartAsync(port);
        await using var app = await StartAsync(port);
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));

        using var upload = await alice.UploadAsync("empty.txt", Encoding.UTF8.GetBytes("   \n\n  "));
        var id = (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var document = await alice.WaitForDocumentStatusAsync(id, "failed", Bound);

        var received = await distributor.WaitForAsync(e => e.Type == ChatEvents.DocumentFailed, Bound);
        Assert.Equal(id, received.Payload.GetProperty("documentId").GetGuid());
        Assert.Equal(document.GetProperty("error").GetString(), received.Payload.GetProperty("reason").GetString());
        Assert.Equal($"document.failed:{id:N}", received.IdempotencyKey);
        Assert.DoesNotContain(distributor.Events, e => e.Type == ChatEvents.DocumentReady);
    }

    [Fact]
    public async Task A_chat_task_publishes_its_completion_with_the_stored_answer()
    {
        var port = FreePort.Next();
        await using var distributor = await RecordingDistributor.StartAsync(port);
        await using var app = await StartAsync(port);
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));

        using var created = await alice.Http.PostAsJsonAsync("/api/chat/tasks", new { message = "Say something" });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var taskId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var received = await distributor.WaitForAsync(e => e.Type == ChatEvents.TaskCompleted, Bound);
        Assert.Equal(taskId, received.Payload.GetProperty("taskId").GetGuid());
        var messageId = received.Payload.GetProperty("messageId").GetGuid();
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        var answer = await db.Messages.AsNoTracking().SingleAsync(m => m.Id == messageId);
        Assert.Equal("assistant", answer.Role);
        Assert.Equal(answer.SessionId, received.Payload.GetProperty("sessionId").GetGuid());
        Assert.Equal($"chat.task.completed:{taskId:N}", received.IdempotencyKey);
    }

    [Fact]
    public async Task A_chat_task_that_fails_for_good_publishes_chat_task_failed_with_the_reason()
    {
        var port = FreePort.Next();
        await using var distributor = await RecordingDistributor.StartAsync(port);
        await using var llm = await OllamaSimulatorServer.StartAsync();
        llm.Faults.Chat = new FaultSettings { ErrorStatus = 500 };
        await using var app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, llm,
            new Dictionary<string, string?>
        {
            ["services:distributorservice:http:0"] = $"http://127.0.0.1:{port}",
            ["ChatTasks:MaxAttempts"] = "1",
            ["Llm:RetriesBeforeFirstToken"] = "0",
        });
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));

        using var created = await alice.Http.PostAsJsonAsync("/api/chat/tasks", new { message = "Say something" });
        var taskId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var received = await distributor.WaitForAsync(e => e.Type == ChatEvents.TaskFailed, Bound);
        Assert.Equal(taskId, received.Payload.GetProperty("taskId").GetGuid());
        Assert.False(string.IsNullOrWhiteSpace(received.Payload.GetProperty("code").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(received.Payload.GetProperty("reason").GetString()));
        Assert.Equal($"chat.task.failed:{taskId:N}", received.IdempotencyKey);
        Assert.DoesNotContain(distributor.Events, e => e.Type == ChatEvents.TaskCompleted);
    }

    [Fact]
    public async Task The_event_commits_with_the_state_change_and_a_rolled_back_change_stages_nothing()
    {
        // No distributor listens: only what is staged is looked at.
        await using var app = await StartAsync(FreePort.Next());
        var rolledBack = NewDocument();
        var committed = NewDocument();

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
            var events = scope.ServiceProvider.GetRequiredService<EventPublisher>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            db.Documents.Add(rolledBack);
            events.StageReady(rolledBack);
            await db.SaveChangesAsync();
            await transaction.RollbackAsync();
        }

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
            var events = scope.ServiceProvider.GetRequiredService<EventPublisher>();
            db.Documents.Add(committed);
            events.StageReady(committed);
            await db.SaveChangesAsync();
        }

        Assert.Empty(await EventJobsAsync(app, rolledBack.Id, CancellationToken.None));
        await using (var scope = app.Services.CreateAsyncScope())
        {
            Assert.False(await scope.ServiceProvider.GetRequiredService<ChatDbContext>().Documents.AnyAsync(d => d.Id == rolledBack.Id));
        }

        var staged = Assert.Single(await EventJobsAsync(app, committed.Id, CancellationToken.None));
        using var payload = JsonDocument.Parse(staged.Payload);
        Assert.Equal("document.ready", payload.RootElement.GetProperty("type").GetString());
        Assert.Equal($"document.ready:{committed.Id:N}", payload.RootElement.GetProperty("idempotencyKey").GetString());
    }

    [Fact]
    public async Task Without_a_distributor_publishing_is_off_and_nothing_is_staged()
    {
        await using var app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString,
            (await deps.GetChromaAsync()).BaseAddress, simulator.Server);
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));

        var id = await alice.UploadTextAsync("bread.txt", SampleDocuments.Bread);
        await alice.WaitForDocumentStatusAsync(id, "ready", Bound);

        await using var scope = app.Services.CreateAsyncScope();
        Assert.False(scope.ServiceProvider.GetRequiredService<EventPublisher>().Enabled);
        Assert.Empty(await EventJobsAsync(app, id, CancellationToken.None));
    }

    private static Document NewDocument() => new()
    {
        Id = Guid.CreateVersion7(),
        Owner = Users.New("alice"),
        Title = "staged",
        FileName = "staged.txt",
        Kind = "txt",
        ContentHash = Guid.NewGuid().ToString("N"),
        Status = DocumentStatus.Ready,
        CreatedAt = DateTimeOffset.UtcNow,
        UpdatedAt = DateTimeOffset.UtcNow,
        Content = new DocumentContent { Bytes = "x"u8.ToArray() },
    };

    /// <summary>The events jobs (queue <c>chat-events</c>) whose payload names <paramref name="documentId"/>.</summary>
    private static async Task<List<JobRecord>> EventJobsAsync(ChatApp app, Guid documentId, CancellationToken cancellationToken)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        var jobs = await db.Set<JobRecord>().AsNoTracking().Where(j => j.Queue == ChatEvents.Queue).ToListAsync(cancellationToken);
        return jobs.Where(j => j.Payload.Contains(documentId.ToString(), StringComparison.Ordinal)).ToList();
    }
}
