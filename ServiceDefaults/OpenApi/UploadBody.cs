using Microsoft.AspNetCore.Builder;

namespace ServiceDefaults.OpenApi;

/// <summary>
/// Endpoint metadata describing a body the handler reads itself (an upload read with <c>ReadFormAsync</c>, a raw stream), so
/// the OpenAPI document shows it: a multipart form with a binary <c>file</c> part and optional text fields, and optionally
/// the same content as a raw body of other media types. Only documentation: it does not change routing or binding.
/// </summary>
public sealed record UploadBody(string Description, IReadOnlyDictionary<string, string> TextFields, IReadOnlyList<string> RawContentTypes);

public static class UploadBodyExtensions
{
    /// <summary>Documents the endpoint's request body as a multipart upload (see <see cref="UploadBody"/>).</summary>
    public static TBuilder WithUploadBody<TBuilder>(this TBuilder builder, string description,
        IReadOnlyDictionary<string, string>? textFields = null, params string[] rawContentTypes)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new UploadBody(description, textFields ?? new Dictionary<string, string>(), rawContentTypes));
}
