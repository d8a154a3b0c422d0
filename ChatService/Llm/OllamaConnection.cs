using System.Data.Common;
using Microsoft.Extensions.Configuration;

namespace ChatService.Llm;

/// <summary>An Ollama model as Aspire injects it: <c>ConnectionStrings__{name}=Endpoint=http://host:port;Model=name</c>.</summary>
public sealed record OllamaConnection(Uri Endpoint, string Model)
{
    /// <summary>Null when the variable is not set (the service starts and reports the LLM degraded);
    /// throws naming the variable when it is malformed.</summary>
    public static OllamaConnection? Read(IConfiguration configuration, string name)
    {
        var raw = configuration.GetConnectionString(name);
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        return Parse(raw, name);
    }

    public static OllamaConnection Parse(string raw, string name)
    {
        var builder = new DbConnectionStringBuilder();
        try
        {
            builder.ConnectionString = raw;
        }
        catch (ArgumentException ex)
        {
            throw Malformed(name, ex.Message, ex);
        }

        if (!builder.TryGetValue("Endpoint", out var endpointValue) || endpointValue is not string endpoint
            || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw Malformed(name, "Endpoint must be an absolute http(s) URL", null);
        }

        if (!builder.TryGetValue("Model", out var modelValue) || modelValue is not string model || string.IsNullOrWhiteSpace(model))
        {
            throw Malformed(name, "Model is required", null);
        }

        return new OllamaConnection(uri, model.Trim());
    }

    private static InvalidOperationException Malformed(string name, string reason, Exception? inner) =>
        new($"Connection string ConnectionStrings__{name} is malformed ({reason}); expected 'Endpoint=http://host:port;Model=name'.",
            inner);
}
