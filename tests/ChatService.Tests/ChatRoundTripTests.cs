using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using ChatService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Testing;

namespace ChatService.Tests;

/// <summary>
/// PostgreSQL round trips of one chat turn (statements sent plus EF's COMMITs), counted from EF Core's diagnostic events
/// of the request's own trace: a turn's fixed work is a handful of round trips, and one added by accident shows here.
/// </summary>
[Collection("dependencies")]
public sealed class ChatRoundTripTests(DependenciesFixture deps, SharedSimulator simulator) : IAsyncLifetime
{
    private ChatApp _app = null!;
    private RoundTripRecorder _recorder = null!;

    public async Task InitializeAsync()
    {
        // why: each DbContext caches for EF's logging cache time (1 s) that nobody listens to its command events; a pooled
        // context the app used before anyone listened would go unrecorded, so the recorder listens before the app starts
        _recorder = new RoundTripRecorder();
        var chroma = await deps.GetChromaAsync();
        _app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma.BaseAddress, simulator.Server);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _recorder.Dispose();
    }

    [Fact]
    public async Task A_turn_in_a_new_session_and_a_follow_up_take_the_fewest_round_trips()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        var id = await alice.UploadTextAsync("volcanoes.md", SampleDocuments.Volcano);
        await alice.WaitForDocumentStatusAsync(id, "ready", TimeSpan.FromSeconds(30));
        await _recorder.WaitUntilRecordingAsync(alice);

        var (first, firstTrips) = await CountedChatAsync(_recorder, alice, new { message = "How long did the Hekla eruption of 1947 last?" });
        var sessionId = first.GetProperty("sessionId").GetGuid();
        var (_, followUpTrips) = await CountedChatAsync(_recorder, alice, new { message = "What grounded European air traffic in 2010?", sessionId });

        // New session: answer-cache key (document-set version), session + user message (one batch, no BEGIN/COMMIT),
        // full text, passages, assistant message.
        Assert.True(firstTrips.Count == 5, Describe(firstTrips));
        Assert.DoesNotContain(firstTrips, t => t == "COMMIT");
        // Follow-up: touch the caller's session (also the ownership check), history, user message, full text, passages,
        // assistant message (a follow-up with history is not cached, so no cache key).
        Assert.True(followUpTrips.Count == 6, Describe(followUpTrips));

        var messages = await alice.Http.GetFromJsonAsync<JsonElement>($"/api/sessions/{sessionId}/messages?limit=100");
        Assert.Equal(4, messages.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Another_users_session_is_still_not_found()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        using var bob = new ChatApiClient(_app.ClientFor(Users.New("bob")));
        var sessionId = (await alice.ChatJsonAsync(new { message = "Anything about volcanoes?" })).GetProperty("sessionId").GetGuid();

        using var response = await bob.ChatAsync(new { message = "And now?", sessionId });

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("SESSION_NOT_FOUND", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var messages = await alice.Http.GetFromJsonAsync<JsonElement>($"/api/sessions/{sessionId}/messages?limit=100");
        Assert.Equal(2, messages.GetProperty("items").GetArrayLength());
    }

    private static string Describe(IReadOnlyCollection<string> trips) =>
        $"{trips.Count} round trips:\n" + string.Join("\n---\n", trips);

    /// <summary>Posts one chat with a fresh trace id and returns the answer and the SQL of every round trip of that trace.</summary>
    private static async Task<(JsonElement Answer, IReadOnlyCollection<string> Trips)> CountedChatAsync(RoundTripRecorder recorder,
        ChatApiClient client, object body)
    {
        var (trips, text) = await recorder.SendTracedAsync(client,
            () => new HttpRequestMessage(HttpMethod.Post, "/api/chat") { Content = JsonContent.Create(body) });
        return (JsonDocument.Parse(text).RootElement.Clone(), trips);
    }

    /// <summary>
    /// EF Core's executed commands and committed transactions whose <c>Activity.Current</c> belongs to a recorded trace
    /// (the request's: ASP.NET Core continues the caller's traceparent). Other tests' and background work's commands
    /// carry other traces.
    /// </summary>
    private sealed class RoundTripRecorder : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly ActivityListener _requests;
        private readonly IDisposable _all;
        private readonly ConcurrentBag<IDisposable> _subscriptions = [];

        private readonly ConcurrentDictionary<ActivityTraceId, ConcurrentQueue<string>> _traces = new();

        public RoundTripRecorder()
        {
            // why: ASP.NET Core creates the request's activity (continuing traceparent) only when something listens
            _requests = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
            };
            ActivitySource.AddActivityListener(_requests);
            _all = DiagnosticListener.AllListeners.Subscribe(this);
        }

        /// <summary>
        /// Sends the request under a fresh trace and returns the round trips recorded for it and the response body (a
        /// success). The trace is the test's current activity as well as the traceparent header: an HttpClient activity
        /// (another in-process host's OpenTelemetry listens to System.Net.Http) continues it instead of starting a new trace.
        /// </summary>
        public async Task<(IReadOnlyCollection<string> Trips, string Body)> SendTracedAsync(ChatApiClient client,
            Func<HttpRequestMessage> create)
        {
            var traceId = ActivityTraceId.CreateRandom();
            var trips = _traces.GetOrAdd(traceId, _ => new ConcurrentQueue<string>());
            using var parent = new System.Diagnostics.Activity("round-trip-test")
                .SetParentId(traceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded).Start();
            using var request = create();
            request.Headers.Remove("traceparent");
            request.Headers.Add("traceparent", $"00-{traceId}-{parent.SpanId}-01");
            using var response = await client.Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, text);
            return (trips.ToArray(), text);
        }

        /// <summary>
        /// Sends a session listing (one query) under recorded traces until its query is seen: EF caches for a while
        /// (its logging cache time) that nobody listened to its command events, so the first requests after subscribing
        /// may go unrecorded.
        /// </summary>
        public async Task WaitUntilRecordingAsync(ChatApiClient client)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (true)
            {
                var (trips, _) = await SendTracedAsync(client, () => new HttpRequestMessage(HttpMethod.Get, "/api/sessions?limit=1"));
                if (trips.Count > 0)
                {
                    return;
                }

                Assert.True(DateTime.UtcNow < deadline, "EF Core's command events of a traced request never arrived");
                await Task.Delay(TimeSpan.FromMilliseconds(200));
            }
        }

        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name == DbLoggerCategory.Name)
            {
                _subscriptions.Add(listener.Subscribe(this));
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (System.Diagnostics.Activity.Current is not { } current || !_traces.TryGetValue(current.TraceId, out var trips))
            {
                return;
            }

            if (value.Key == RelationalEventId.CommandExecuted.Name && value.Value is CommandExecutedEventData executed)
            {
                trips.Enqueue(executed.Command.CommandText);
            }
            else if (value.Key == RelationalEventId.TransactionCommitted.Name)
            {
                trips.Enqueue("COMMIT");
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void Dispose()
        {
            _all.Dispose();
            foreach (var subscription in _subscriptions)
            {
                subscription.Dispose();
            }

            _requests.Dispose();
        }
    }
}
