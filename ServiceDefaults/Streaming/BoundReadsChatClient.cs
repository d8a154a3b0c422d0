using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ServiceDefaults.Streaming;

/// <summary>
/// Binds each call's cancellation token to the HTTP requests the inner client sends (<see cref="ReadWatchdog"/>), so
/// the token reaches every read of the response body even when the inner client does not pass it on. The token a
/// caller passes is then a real timer on the socket: a first-token, idle, total or caller bound ends a blocked read.
/// </summary>
public sealed class BoundReadsChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        using (ReadWatchdog.Bind(cancellationToken))
        {
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken)
            .GetAsyncEnumerator(cancellationToken);
        bool more;
        using (ReadWatchdog.Bind(cancellationToken))
        {
            // The request is sent during the first MoveNextAsync: that is when the handler captures the bound token.
            more = await updates.MoveNextAsync();
        }

        while (more)
        {
            yield return updates.Current;
            more = await updates.MoveNextAsync();
        }
    }
}

/// <summary>The same as <see cref="BoundReadsChatClient"/> for an embedding generator.</summary>
public sealed class BoundReadsEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
{
    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        using (ReadWatchdog.Bind(cancellationToken))
        {
            return await base.GenerateAsync(values, options, cancellationToken);
        }
    }
}
