using OllamaSimulator;
using SystemTests.Harness;

namespace SystemTests.Faults;

/// <summary>Produces and clears each <see cref="Fault"/> on each <see cref="Dependency"/>.</summary>
public static class FaultInjector
{
    public static async Task ApplyAsync(SystemDependencies deps, Dependency dependency, Fault fault, CancellationToken cancellationToken)
    {
        var proxy = ProxyOf(deps, dependency);
        switch (dependency, fault)
        {
            case (Dependency.PostgreSql, Fault.Down):
                await deps.Postgres.StopAsync(cancellationToken);
                break;
            case (Dependency.Redis, Fault.Down):
                await deps.Redis.StopAsync(cancellationToken);
                break;
            case (Dependency.Chroma, Fault.Down):
                await deps.Chroma.StopAsync(cancellationToken);
                break;
            case (Dependency.Ollama, Fault.Down):
                // In-process simulator: "down" is what a client sees of a stopped server, connection refused.
                proxy.SetMode(ProxyMode.Refuse);
                break;
            case (Dependency.PostgreSql, Fault.Paused):
                await deps.Postgres.PauseAsync(cancellationToken);
                break;
            case (Dependency.Redis, Fault.Paused):
                await deps.Redis.PauseAsync(cancellationToken);
                break;
            case (Dependency.Chroma, Fault.Paused):
                await deps.Chroma.PauseAsync(cancellationToken);
                break;
            case (Dependency.Ollama, Fault.Paused):
                // What a SIGSTOPped process looks like from outside: connections accepted, nothing answered.
                proxy.SetMode(ProxyMode.Blackhole);
                break;
            case (_, Fault.Slow):
                proxy.Delay = TimeSpan.FromMilliseconds(200);
                proxy.SetMode(ProxyMode.Slow);
                break;
            case (Dependency.PostgreSql or Dependency.Redis, Fault.Erroring):
                proxy.SetMode(ProxyMode.Reset);
                break;
            case (Dependency.Chroma or Dependency.Ollama, Fault.Erroring):
                proxy.SetMode(ProxyMode.Http500);
                break;
            case (Dependency.Ollama, Fault.StalledMidStream):
                deps.Simulator.Faults.Chat = new FaultSettings { StallAfterTokens = 2 };
                break;
            case (Dependency.Ollama, Fault.GapBeyondIdle):
                deps.Simulator.Faults.Chat = new FaultSettings { GapAfterTokens = 2, GapMs = 40_000 };
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), $"{dependency} × {fault} has no injection.");
        }
    }

    /// <summary>Undoes every fault (restarts stopped servers on their ports, resumes paused ones, proxies pass).</summary>
    public static Task ClearAsync(SystemDependencies deps, CancellationToken cancellationToken) => deps.RestoreAllAsync(cancellationToken);

    private static TcpFaultProxy ProxyOf(SystemDependencies deps, Dependency dependency) => dependency switch
    {
        Dependency.PostgreSql => deps.PostgresProxy,
        Dependency.Redis => deps.RedisProxy,
        Dependency.Chroma => deps.ChromaProxy,
        _ => deps.OllamaProxy,
    };
}
