using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using ServiceDefaults.RateLimiting;

namespace ServiceDefaults.OpenApi;

/// <summary>
/// Describes the error contract on every operation of every service's OpenAPI document: the problem-details responses the
/// service can give (400, 500, 503, 504 always; 401 and 403 unless anonymous; 404 with path parameters; 413 and 415 with a
/// request body; 429 on rate-limited operations and capped streams), each <c>application/problem+json</c> with a required <c>code</c>.
/// Responses an endpoint declares itself are kept.
/// </summary>
internal static class ErrorResponsesTransformer
{
    public static OpenApiOptions AddErrorResponses(this OpenApiOptions options)
    {
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            var anonymous = metadata.OfType<IAllowAnonymous>().Any();
            var hasPathParameters = context.Description.ParameterDescriptions.Any(p => p.Source.Id == "Path");
            if (metadata.OfType<UploadBody>().LastOrDefault() is { } upload)
            {
                operation.RequestBody = UploadRequestBody(upload);
            }

            var handlers = metadata.OfType<System.Reflection.MethodInfo>();
            if (handlers.Any(m => m.GetParameters().Any(p => p.ParameterType == typeof(Requests.IdempotencyKey))))
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = Requests.IdempotencyKey.HeaderName,
                    In = ParameterLocation.Header,
                    Description = "Repeating a request with the same key answers with what the first one created.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = Requests.IdempotencyKey.MaxLength },
                });
            }

            var hasBody = operation.RequestBody is not null;
            operation.Responses ??= new OpenApiResponses();
            Add(operation, "400", "The request is invalid (VALIDATION_FAILED, INVALID_CURSOR, INVALID_TEXT, VALUE_TOO_LONG, …).");
            if (!anonymous)
            {
                Add(operation, "401", "No valid bearer token (UNAUTHORIZED).");
                Add(operation, "403", "The caller lacks the role or right this operation needs (FORBIDDEN, …).");
            }

            if (hasPathParameters)
            {
                Add(operation, "404", "No such resource visible to the caller (NOT_FOUND, …).");
            }

            if (hasBody)
            {
                Add(operation, "413", "The body is larger than allowed (PAYLOAD_TOO_LARGE, …).");
                Add(operation, "415", "The body's content type is not accepted (UNSUPPORTED_MEDIA_TYPE, …).");
            }

            if (metadata.OfType<EnableRateLimitingAttribute>().Any())
            {
                Add(operation, "429", "The caller's rate limit for this operation is used up (RATE_LIMITED); retry after Retry-After.");
            }

            if (metadata.OfType<UserStreamMetadata>().Any())
            {
                Add(operation, "429",
                    "The caller already holds the most open streams allowed (TOO_MANY_STREAMS); retry after Retry-After.");
            }

            Add(operation, "500", "An unexpected error (INTERNAL_ERROR); logged with its trace id.");
            Add(operation, "503", "A dependency is unavailable (DEPENDENCY_UNAVAILABLE, CIRCUIT_OPEN, …); retry after Retry-After.");
            Add(operation, "504", "The request's budget ran out (REQUEST_TIMEOUT, …).");
            return Task.CompletedTask;
        });
        return options;
    }

    private static void Add(OpenApiOperation operation, string status, string description)
    {
        if (operation.Responses!.ContainsKey(status))
        {
            return;
        }

        operation.Responses[status] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = ProblemSchema() },
            },
        };
    }

    private static OpenApiRequestBody UploadRequestBody(UploadBody upload)
    {
        var properties = new Dictionary<string, IOpenApiSchema>
        {
            ["file"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = upload.Description },
        };
        foreach (var (name, description) in upload.TextFields)
        {
            properties[name] = new OpenApiSchema { Type = JsonSchemaType.String, Description = description };
        }

        var content = new Dictionary<string, OpenApiMediaType>
        {
            ["multipart/form-data"] = new()
            {
                Schema = new OpenApiSchema { Type = JsonSchemaType.Object, Properties = properties,
                    Required = new HashSet<string> { "file" } },
            },
        };
        foreach (var contentType in upload.RawContentTypes)
        {
            content[contentType] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = upload.Description } };
        }

        return new OpenApiRequestBody { Required = true, Description = upload.Description, Content = content };
    }

    /// <summary>RFC 9457 problem details with this project's <c>code</c> and <c>traceId</c> members.</summary>
    private static OpenApiSchema ProblemSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Required = new HashSet<string> { "code" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Stable machine-readable error code." },
            ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String },
        },
    };
}
