using ChatService.Llm;
using ServiceDefaults.Requests;

namespace ChatService.Rag;

/// <summary>
/// What one chat turn may spend. A turn answering a request lives within the request's deadline: the vector search
/// and the LLM only get what is left of it minus <see cref="FallbackReserve"/>, which is kept to build and store the
/// degraded answer, so a hung model ends in a degraded 200 instead of the request's 504. A background turn (chat task)
/// has no deadline here: its job token carries the task's timeout, and the generation cap is the background one.
/// </summary>
public sealed class TurnBudget
{
    private readonly TimeSpan _generationCap;
    private readonly RequestBudget? _request;

    private TurnBudget(TimeSpan generationCap, RequestBudget? request, TimeSpan fallbackReserve, CancellationToken endEarly = default)
    {
        _generationCap = generationCap;
        _request = request;
        FallbackReserve = fallbackReserve;
        EndEarly = endEarly;
    }

    /// <summary>
    /// Ends the generation early as if its budget had run out (the answer so far is returned partial, or the degraded
    /// answer when no token came): a request's turn ends this way when the service stops, so SIGTERM never waits on a
    /// generation. A chat task has none: the job system cancels and releases it at shutdown, and another replica retries.
    /// </summary>
    public CancellationToken EndEarly { get; }

    /// <summary>Time kept back for the degraded answer; also the bound of that fallback's own work.</summary>
    public TimeSpan FallbackReserve { get; }

    /// <summary>A synchronous turn: the request's remaining budget (null outside a request: the cap alone applies).</summary>
    public static TurnBudget ForRequest(RequestBudget? request, LlmOptions options, CancellationToken stopping = default)
    {
        if (request is null)
        {
            return new TurnBudget(options.TotalTimeout, null, options.FallbackReserve, stopping);
        }

        var share = TimeSpan.FromTicks((long)(request.Remaining.Ticks * options.FallbackReserveFraction));
        return new TurnBudget(options.TotalTimeout, request, share < options.FallbackReserve ? share : options.FallbackReserve, stopping);
    }

    /// <summary>A chat task: bounded by <see cref="LlmOptions.BackgroundTotalTimeout"/> and the job's token.</summary>
    public static TurnBudget Background(LlmOptions options) => new(options.BackgroundTotalTimeout, null, options.FallbackReserve);

    /// <summary>What is left before the fallback reserve, or null when the turn has no deadline.</summary>
    public TimeSpan? Usable
    {
        get
        {
            if (_request is null)
            {
                return null;
            }

            var left = _request.Remaining - FallbackReserve;
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    /// <summary>The LLM's total bound from now: the cap, clamped to what is left before the fallback reserve.</summary>
    public TimeSpan Generation() => Usable is { } left && left < _generationCap ? left : _generationCap;
}
