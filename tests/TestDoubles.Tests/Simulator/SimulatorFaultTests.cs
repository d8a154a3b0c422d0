using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OllamaSharp;
using OllamaSharp.Models.Chat;
using OllamaSimulator;
using OllamaRole = OllamaSharp.Models.Chat.ChatRole;

namespace TestDoubles.Tests.Simulator;

public sealed class SimulatorFaultTests
{
    private static readonly TimeSpan ObservationDeadline = TimeSpan.FromSeconds(5);

    private static ChatRequest Question(string text = "Paris is the capital of France. What is the capital of France?") =>
        new() { Model = "llama3.2", Messages = [new Message(OllamaRole.User, text)] };

    private static async Task<List<ChatResponseStream?>> ReadAllAsync(OllamaApiClient ollama, CancellationToken cancellationToken)
    {
        var lines = new List<ChatResponseStream?>();
        await foreach (var line in ollama.ChatAsync(Question(), cancellationToken))
        {
            lines.Add(line);
        }

        return lines;
    }

    [Fact]
    public async Task Error_status_before_the_stream_surfaces_as_HttpRequestException_with_that_status()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "llama3.2");
        simulator.Faults.Chat = new FaultSettings { ErrorStatus = 500, ErrorMessage = "model runner crashed" };

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => ReadAllAsync(ollama, budget.Token));

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
    }

    [Fact]
    public async Task Busy_mode_answers_503_when_more_requests_than_allowed_are_in_flight()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "llama3.2");
        simulator.Faults.Chat = new FaultSettings { BusyAboveConcurrency = 1, Hang = true };
        using var firstCaller = CancellationTokenSource.CreateLinkedTokenSource(budget.Token);

        var first = ReadAllAsync(ollama, firstCaller.Token);
        await simulator.WaitUntilAsync(s => s.InFlight == 1, ObservationDeadline, budget.Token);
        var second = await Assert.ThrowsAsync<HttpRequestException>(() => ReadAllAsync(ollama, budget.Token));
        await firstCaller.CancelAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
    }

    [Fact]
    public async Task Stall_mid_stream_sends_n_tokens_then_holds_the_connection_silent_until_the_client_leaves()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        simulator.Faults.Chat = new FaultSettings { StallAfterTokens = 2 };
        using var http = new HttpClient { BaseAddress = simulator.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/chat")
        {
            Content = new StringContent("""{"model":"llama3.2","messages":[{"role":"user","content":"Paris is the capital of France. What is the capital of France?"}]}"""),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, budget.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(budget.Token));
        Assert.Contains("\"Paris\"", await reader.ReadLineAsync(budget.Token), StringComparison.Ordinal);
        Assert.Contains("\" is\"", await reader.ReadLineAsync(budget.Token), StringComparison.Ordinal);

        await Task.Delay(TimeSpan.FromSeconds(1), budget.Token);
        Assert.Equal(1, simulator.InFlight); // still open and silent: the stall ends only when the client leaves
        Assert.Equal(0, simulator.CancelledRequests);

        using (var silence = CancellationTokenSource.CreateLinkedTokenSource(budget.Token))
        {
            silence.CancelAfter(TimeSpan.FromMilliseconds(500));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await reader.ReadLineAsync(silence.Token));
        }

        // The cancelled read made the client close the connection: the simulator counts the request as cancelled.
        await simulator.WaitUntilAsync(s => s.InFlight == 0 && s.CancelledRequests == 1, ObservationDeadline, budget.Token);
    }

    [Fact]
    public async Task Gap_after_n_tokens_is_silence_of_gapMs_then_the_rest_of_the_answer()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "llama3.2");
        simulator.Faults.Chat = new FaultSettings { GapAfterTokens = 1, GapMs = 1500 };

        var arrivals = new List<(string? Text, TimeSpan At)>();
        var clock = Stopwatch.StartNew();
        await foreach (var line in ollama.ChatAsync(Question(), budget.Token))
        {
            arrivals.Add((line?.Message?.Content, clock.Elapsed));
        }

        Assert.Equal("Paris is the capital of France.", string.Concat(arrivals.Select(a => a.Text)));
        Assert.True(arrivals.Skip(2).All(a => a.At - arrivals[1].At < TimeSpan.FromMilliseconds(1000)), "only one gap");
        // why not the gap between the two arrivals: on a loaded machine the first token can arrive late, shrinking the
        // observed gap; the second token cannot arrive before the server's 1.5 s silence ended, and the first came before it
        Assert.True(arrivals[1].At >= TimeSpan.FromMilliseconds(1400) && arrivals[0].At < arrivals[1].At,
            $"the gap came after the first token: {string.Join(", ", arrivals)}");
    }

    [Fact]
    public async Task Stalled_embeddings_send_half_a_body_and_hold_the_connection()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        simulator.Faults.Embed = new FaultSettings { StallAfterTokens = 0 };
        using var http = new HttpClient { BaseAddress = simulator.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/embed")
        {
            Content = new StringContent("""{"model":"all-minilm","input":"hello"}"""),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, budget.Token);
        var stream = await response.Content.ReadAsStreamAsync(budget.Token);
        var buffer = new byte[4096];
        var first = await stream.ReadAsync(buffer, budget.Token);
        Assert.True(first > 0 && first < response.Content.Headers.ContentLength, "half of the declared body arrives");

        using (var silence = CancellationTokenSource.CreateLinkedTokenSource(budget.Token))
        {
            silence.CancelAfter(TimeSpan.FromSeconds(1));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await stream.ReadAtLeastAsync(buffer, 1,
                throwOnEndOfStream: true, silence.Token));
        }

        await simulator.WaitUntilAsync(s => s.InFlight == 0 && s.CancelledRequests == 1, ObservationDeadline, budget.Token);
    }

    [Fact]
    public async Task Error_line_mid_stream_ends_the_stream_without_a_done_line()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "llama3.2");
        simulator.Faults.Chat = new FaultSettings { ErrorLineAfterTokens = 2 };

        var lines = await ReadAllAsync(ollama, budget.Token);
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in ((IChatClient)ollama).GetStreamingResponseAsync("Where is Paris?", cancellationToken: budget.Token))
        {
            updates.Add(update);
        }

        Assert.Equal(["Paris", " is", null], lines.Select(l => l?.Message?.Content));
        Assert.DoesNotContain(lines, l => l is { Done: true });
        Assert.DoesNotContain(updates, u => u.FinishReason is not null);
        await Assert.ThrowsAsync<InvalidOperationException>(() => ollama.ChatAsync(Question(), budget.Token).StreamToEndAsync());
    }

    [Fact]
    public async Task Error_line_fault_on_a_non_streaming_request_is_a_500()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "llama3.2");
        simulator.Faults.Chat = new FaultSettings { ErrorLineAfterTokens = 2 };

        var error = await Assert.ThrowsAsync<HttpRequestException>(
            () => ((IChatClient)ollama).GetResponseAsync("Where is Paris?", cancellationToken: budget.Token));

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
    }

    [Fact]
    public async Task Connection_cut_mid_stream_surfaces_as_an_IO_error_after_the_first_tokens()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "llama3.2");
        simulator.Faults.Chat = new FaultSettings { CutAfterTokens = 2 };
        var received = new List<string?>();

        var error = await Record.ExceptionAsync(async () =>
        {
            await foreach (var line in ollama.ChatAsync(Question(), budget.Token))
            {
                received.Add(line?.Message?.Content);
            }
        });

        Assert.IsAssignableFrom<IOException>(error);
        Assert.Equal(["Paris", " is"], received);
        Assert.Equal(0, simulator.CancelledRequests);
    }

    [Fact]
    public async Task Malformed_line_mid_stream_fails_json_parsing_in_the_client()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "llama3.2");
        simulator.Faults.Chat = new FaultSettings { MalformedLineAfterTokens = 1 };

        await Assert.ThrowsAnyAsync<JsonException>(() => ReadAllAsync(ollama, budget.Token));
    }

    [Fact]
    public async Task Slow_first_token_trips_a_client_side_timeout_and_the_simulator_sees_the_disconnect()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "llama3.2");
        simulator.Faults.Chat = new FaultSettings { FirstTokenDelayMs = 30_000 };
        using var firstTokenTimeout = CancellationTokenSource.CreateLinkedTokenSource(budget.Token);
        var reading = ReadAllAsync(ollama, firstTokenTimeout.Token);
        // The client's timeout trips once the simulator holds the request (a fixed short timer could fire before the
        // request reached a loaded machine's simulator, which then saw nothing to cancel).
        await simulator.WaitUntilAsync(s => s.InFlight == 1, ObservationDeadline, budget.Token);
        await firstTokenTimeout.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);

        await simulator.WaitUntilAsync(s => s.CancelledRequests == 1 && s.InFlight == 0, ObservationDeadline, budget.Token);
    }

    [Fact]
    public async Task Slow_tokens_arrive_one_by_one_and_a_client_can_stop_between_them()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "llama3.2");
        simulator.Faults.Chat = new FaultSettings { TokenDelayMs = 30_000 };
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(budget.Token);
        var received = new List<string?>();

        // OllamaSharp ends the enumeration quietly when its token is cancelled between lines.
        await foreach (var line in ollama.ChatAsync(Question(), caller.Token))
        {
            received.Add(line?.Message?.Content);
            await caller.CancelAsync();
        }

        Assert.Equal(["Paris"], received);
        await simulator.WaitUntilAsync(s => s.CancelledRequests == 1 && s.InFlight == 0, ObservationDeadline, budget.Token);
    }

    [Fact]
    public async Task Hanging_requests_are_released_when_their_clients_cancel()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "llama3.2");
        simulator.Faults.Chat = new FaultSettings { Hang = true };
        using var callers = CancellationTokenSource.CreateLinkedTokenSource(budget.Token);

        var hanging = Enumerable.Range(0, 3).Select(_ => ReadAllAsync(ollama, callers.Token)).ToList();
        await simulator.WaitUntilAsync(s => s.InFlight == 3, ObservationDeadline, budget.Token);
        await callers.CancelAsync();

        foreach (var call in hanging)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        }

        await simulator.WaitUntilAsync(s => s.CancelledRequests == 3 && s.InFlight == 0, ObservationDeadline, budget.Token);
        Assert.Equal(3, simulator.MaxConcurrentObserved);
    }

    [Fact]
    public async Task Fixed_latency_delays_the_whole_answer_by_at_least_the_configured_time()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "llama3.2");
        simulator.Faults.Chat = new FaultSettings { FixedLatencyMs = 300 };
        var watch = Stopwatch.StartNew();

        var lines = await ReadAllAsync(ollama, budget.Token);

        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(290), $"answered after {watch.Elapsed}");
        Assert.True(lines[^1]!.Done);
    }

    [Fact]
    public async Task Faults_target_chat_and_embed_separately()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "llama3.2");
        simulator.Faults.Embed = new FaultSettings { ErrorStatus = 503 };

        var chat = await ((IChatClient)ollama).GetResponseAsync("Where is Paris?", cancellationToken: budget.Token);
        var embed = await Assert.ThrowsAsync<HttpRequestException>(() => ollama.EmbedAsync("Paris", budget.Token));
        simulator.Faults.SetAll(new FaultSettings { ErrorStatus = 500 });
        var chatAfter = await Assert.ThrowsAsync<HttpRequestException>(
            () => ((IChatClient)ollama).GetResponseAsync("Where is Paris?", cancellationToken: budget.Token));

        Assert.NotEmpty(chat.Text);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, embed.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, chatAfter.StatusCode);
    }

    [Fact]
    public async Task Embed_hang_is_released_when_the_client_cancels()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "all-minilm");
        simulator.Faults.Embed = new FaultSettings { Hang = true };
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(budget.Token);
        var embedding = ollama.EmbedAsync("Paris", caller.Token);
        await simulator.WaitUntilAsync(s => s.InFlight == 1, ObservationDeadline, budget.Token);
        await caller.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => embedding);

        await simulator.WaitUntilAsync(s => s.CancelledRequests == 1 && s.InFlight == 0, ObservationDeadline, budget.Token);
    }
}
