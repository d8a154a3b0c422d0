namespace OllamaSimulator;

/// <summary>The fault profiles in force. Thread-safe: a test may switch them while requests are running.</summary>
public sealed class SimulatorFaults
{
    private FaultSettings chat = FaultSettings.None;
    private FaultSettings embed = FaultSettings.None;

    /// <summary>Applies to /api/chat and /api/generate.</summary>
    public FaultSettings Chat
    {
        get => Volatile.Read(ref chat);
        set => Volatile.Write(ref chat, value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>Applies to /api/embed and /api/embeddings.</summary>
    public FaultSettings Embed
    {
        get => Volatile.Read(ref embed);
        set => Volatile.Write(ref embed, value ?? throw new ArgumentNullException(nameof(value)));
    }

    public void SetAll(FaultSettings settings)
    {
        Chat = settings;
        Embed = settings;
    }

    public void Clear() => SetAll(FaultSettings.None);

    public FaultsDocument ToDocument() => new(Chat, Embed);

    /// <summary>Applies <c>All</c> first, then the specific targets; absent parts stay as they are.</summary>
    public void Apply(FaultsDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.All is { } all)
        {
            SetAll(all);
        }

        if (document.Chat is { } chatSettings)
        {
            Chat = chatSettings;
        }

        if (document.Embed is { } embedSettings)
        {
            Embed = embedSettings;
        }
    }
}
