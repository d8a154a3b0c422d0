namespace OllamaSimulator;

/// <summary>What the request handlers need, registered once so handlers take a single parameter.</summary>
internal sealed record SimulatorServices(
    SimulatorOptions Options,
    ModelCatalog Catalog,
    SimulatorState State,
    HashingEmbedder Embedder,
    TimeProvider Time);
