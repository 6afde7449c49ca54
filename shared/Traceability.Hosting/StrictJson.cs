using System.Text.Json;
using System.Text.Json.Serialization;

namespace Traceability.Hosting;

/// <summary>
/// How every service reads JSON: a member named twice is refused (RFC 8259 §4 says names SHOULD be
/// unique and leaves the meaning of duplicates to the reader; "last one wins" would let a client or a
/// proxy see a different request from the one stored), no trailing commas, and every string keeps
/// <see cref="TextRules"/>. Raw JSON documents (EPCIS) are parsed with <see cref="DocumentOptions"/>
/// and checked with <see cref="FindBrokenText"/>, the same rule.
/// </summary>
public static class StrictJson
{
    /// <summary>Options for <see cref="JsonDocument"/> parsing: duplicates refused, depth bounded.</summary>
    public static readonly JsonDocumentOptions DocumentOptions = new() { AllowDuplicateProperties = false, MaxDepth = 64 };

    /// <summary>
    /// Reads a whole body as a <see cref="JsonDocument"/> under <see cref="DocumentOptions"/>. A member named
    /// twice fails with a <see cref="JsonException"/> whose <see cref="JsonException.Path"/> is the repeated
    /// member itself (the parser only says "$").
    /// </summary>
    public static async Task<JsonDocument> ParseDocumentAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellationToken);
        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        try
        {
            return JsonDocument.Parse(bytes, DocumentOptions);
        }
        catch (JsonException duplicate) when (duplicate.Message.StartsWith("Duplicate", StringComparison.Ordinal))
        {
            using var lenient = JsonDocument.Parse(bytes, DocumentOptions with { AllowDuplicateProperties = true });
            var path = FindDuplicateMember(lenient.RootElement, "$") ?? "$";
            throw new JsonException($"The member '{path.Split('.')[^1]}' appears more than once; send each member once.", path, null, null);
        }
    }

    private static string? FindDuplicateMember(JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in element.EnumerateObject())
            {
                var child = path == "$" ? property.Name : $"{path}.{property.Name}";
                if (!seen.Add(property.Name))
                {
                    return child;
                }
                if (FindDuplicateMember(property.Value, child) is { } found)
                {
                    return found;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var item in element.EnumerateArray())
            {
                if (FindDuplicateMember(item, $"{path}[{index++}]") is { } found)
                {
                    return found;
                }
            }
        }
        return null;
    }

    /// <summary>Applies the reading rules to serializer options.</summary>
    public static void Apply(JsonSerializerOptions options)
    {
        options.AllowTrailingCommas = false;
        options.AllowDuplicateProperties = false;
        options.Converters.Add(new CheckedStringConverter());
    }

    /// <summary>
    /// The first string or member name in <paramref name="element"/> that breaks <see cref="TextRules"/>
    /// (or cannot be decoded at all: invalid UTF-8, an escaped lone surrogate), with its path, or null.
    /// </summary>
    public static (string Path, string Problem)? FindBrokenText(JsonElement element, string path = "$")
    {
        // The path is built only for the text that breaks a rule: every member of a valid document is visited,
        // and writing each one's path (a string per member) cost more than the check itself.
        var segments = new List<object>();
        return Find(element, segments) is { } problem ? (PathOf(path, segments), problem) : null;
    }

    private static string? Find(JsonElement element, List<object> segments)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return "A member name is not valid UTF-8 or has a lone surrogate.";
                    }
                    segments.Add(name);
                    if (TextRules.Problem(name) is { } problem)
                    {
                        return problem;
                    }
                    if (Find(property.Value, segments) is { } found)
                    {
                        return found;
                    }
                    segments.RemoveAt(segments.Count - 1);
                }
                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    segments.Add(index++);
                    if (Find(item, segments) is { } found)
                    {
                        return found;
                    }
                    segments.RemoveAt(segments.Count - 1);
                }
                return null;
            case JsonValueKind.String:
                try
                {
                    return TextRules.Problem(element.GetString()!, multiline: true);
                }
                catch (InvalidOperationException)
                {
                    return "The text is not valid UTF-8 or has a lone surrogate.";
                }
            default:
                return null;
        }
    }

    // "$", then `name` for a member of the root and `path.name` below it, `path[i]` for an array's items.
    private static string PathOf(string root, List<object> segments)
    {
        var path = root;
        foreach (var segment in segments)
        {
            path = segment is int index ? $"{path}[{index}]" : path == "$" ? (string)segment : $"{path}.{segment}";
        }
        return path;
    }

    private sealed class CheckedStringConverter : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException("This value must be a JSON string.");
            }
            var text = reader.GetString()!;
            // Free text may span lines; single-line fields refuse line breaks in their own validation.
            return TextRules.Problem(text, multiline: true) is { } problem ? throw new JsonException(problem) : text;
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }
}
