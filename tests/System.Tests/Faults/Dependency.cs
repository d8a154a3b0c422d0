namespace SystemTests.Faults;

/// <summary>A dependency the fault matrix disturbs.</summary>
public enum Dependency
{
    PostgreSql,
    Redis,
    Chroma,
    Ollama,
}
