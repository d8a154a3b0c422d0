using System.Text.Json;

namespace ServiceDefaults.Validation;

/// <summary>A JSON request body whose text the service refuses (NUL, an unpaired surrogate, a string over its limit): 400
/// VALIDATION_FAILED.</summary>
public sealed class JsonInputException(string message) : JsonException(message)
{
    /// <summary>The reason, followed by the JSON path the serializer fills in once the exception leaves the converter.</summary>
    public override string Message => Path is { Length: > 0 } path ? $"{base.Message} (at {path})" : base.Message;
}
