using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;

namespace ServiceDefaults.Validation;

/// <summary>
/// Validates request text once, where JSON is read, for every endpoint of every service: a string containing NUL or an
/// unpaired surrogate, anywhere in a body (typed fields and free-form <see cref="JsonElement"/> payloads alike), and a string
/// longer than the <see cref="MaxLengthAttribute"/> or <see cref="StringLengthAttribute"/> its contract declares (on the
/// property or the record's constructor parameter) fail deserialization with a <see cref="JsonInputException"/>, which the
/// problem-details handler answers as 400 <c>VALIDATION_FAILED</c> naming the field. Nothing the database would refuse
/// reaches it as a 503.
/// </summary>
public static class JsonInputGuard
{
    public static IServiceCollection AddJsonInputGuard(this IServiceCollection services)
    {
        // PostConfigure: after anything a service configures, so a replaced resolver still gets the modifier.
        services.PostConfigure<JsonOptions>(o => Apply(o.SerializerOptions));
        return services;
    }

    /// <summary>Adds the guard to <paramref name="options"/> (also for readers outside model binding, e.g. JSON Lines imports).</summary>
    public static JsonSerializerOptions Apply(JsonSerializerOptions options)
    {
        if (options.Converters.Any(c => c is GuardedStringConverter))
        {
            return options;
        }

        options.Converters.Insert(0, new GuardedStringConverter(null, null));
        options.Converters.Insert(1, new GuardedJsonElementConverter());
        options.TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(ApplyDeclaredLengths);
        return options;
    }

    private static void ApplyDeclaredLengths(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        foreach (var property in type.Properties)
        {
            if (property.PropertyType == typeof(string) && DeclaredMaxLength(type.Type, property) is { } max)
            {
                property.CustomConverter = new GuardedStringConverter(max, property.Name);
            }
        }
    }

    private static int? DeclaredMaxLength(Type owner, JsonPropertyInfo property)
    {
        var member = property.AttributeProvider as MemberInfo;
        var attributes = member?.GetCustomAttributes(inherit: true).ToList() ?? [];
        if (member is not null)
        {
            // A positional record's attributes are on its constructor parameter.
            attributes.AddRange(owner.GetConstructors()
                .SelectMany(c => c.GetParameters())
                .Where(p => string.Equals(p.Name, member.Name, StringComparison.OrdinalIgnoreCase))
                .SelectMany(p => p.GetCustomAttributes(inherit: true)));
        }

        return attributes.Select(a => a switch
        {
            MaxLengthAttribute m when m.Length > 0 => m.Length,
            StringLengthAttribute s => s.MaximumLength,
            _ => (int?)null,
        }).FirstOrDefault(m => m is not null);
    }

    private sealed class GuardedStringConverter(int? maxLength, string? name) : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonInputException(name is null ? "a string was expected" : $"'{name}' must be a string");
            }

            var value = ReadString(ref reader);
            if (TextRules.Problem(value, maxLength) is { } problem)
            {
                throw new JsonInputException(name is null ? $"a string {problem}" : $"'{name}' {problem}");
            }

            return value;
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    private sealed class GuardedJsonElementConverter : JsonConverter<JsonElement>
    {
        public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            Check(document.RootElement);
            return document.RootElement.Clone();
        }

        public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options) => value.WriteTo(writer);

        private static void Check(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    CheckText(Decode(() => element.GetString()!));
                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Check(item);
                    }

                    break;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        CheckText(Decode(() => property.Name));
                        Check(property.Value);
                    }

                    break;
            }
        }

        private static void CheckText(string value)
        {
            if (TextRules.Problem(value) is { } problem)
            {
                throw new JsonInputException($"a string {problem}");
            }
        }

        private static string Decode(Func<string> read)
        {
            try
            {
                return read();
            }
            catch (InvalidOperationException)
            {
                throw new JsonInputException("a string contains an unpaired UTF-16 surrogate");
            }
        }
    }

    private static string ReadString(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate (\uD800) cannot be decoded.
            throw new JsonInputException("a string contains an unpaired UTF-16 surrogate");
        }
    }
}
