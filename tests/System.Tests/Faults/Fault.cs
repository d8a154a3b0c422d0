namespace SystemTests.Faults;

/// <summary>What happens to the dependency (see README "Fault matrix" for how each one is produced).</summary>
public enum Fault
{
    /// <summary>The server process is stopped (Ollama: nothing listens, connections refused).</summary>
    Down,

    /// <summary>SIGSTOP: connections are accepted, nothing is answered (Ollama: a silent proxy).</summary>
    Paused,

    /// <summary>Every chunk on the wire is delayed by 200 ms.</summary>
    Slow,

    /// <summary>Every connection is reset (PostgreSQL, Redis) or every HTTP request gets 500 (Chroma, Ollama).</summary>
    Erroring,

    /// <summary>Ollama only: the model streams two tokens, then holds the connection open and silent (a stalled GPU, a wedged
    /// runner).</summary>
    StalledMidStream,

    /// <summary>Ollama only: after two tokens, 40 s of silence (beyond ChatService's 20 s idle bound), then the rest.</summary>
    GapBeyondIdle,
}
