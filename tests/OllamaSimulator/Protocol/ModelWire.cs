namespace OllamaSimulator;

internal sealed record VersionBody(string Version);

internal sealed record TagsBody(IReadOnlyList<ModelEntry> Models);

internal sealed record ModelEntry(string Name, string Model, string ModifiedAt, long Size, string Digest, ModelDetails Details);

internal sealed record ModelDetails(
    string ParentModel,
    string Format,
    string Family,
    IReadOnlyList<string> Families,
    string ParameterSize,
    string QuantizationLevel);

/// <summary>Older clients send <c>name</c> instead of <c>model</c>.</summary>
internal sealed record ShowRequestBody(string? Model, string? Name);

internal sealed record ShowBody(
    string Modelfile,
    string Parameters,
    string Template,
    ModelDetails Details,
    IReadOnlyDictionary<string, object> ModelInfo,
    IReadOnlyList<string> Capabilities,
    string ModifiedAt);
