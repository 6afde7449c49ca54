using System.Text.Json.Nodes;

namespace Traceability.IntegrationTests.BadInput;

/// <summary>A parameter of an operation: where it goes, and its type as the OpenAPI document says.</summary>
internal sealed record OperationParameter(string Name, string In, string Type, string? Format, int? MaxLength = null, IReadOnlyList<string>? Values = null);

/// <summary>One operation of a service as its OpenAPI document describes it.</summary>
internal sealed record Operation(
    string Method, string Path, IReadOnlyList<OperationParameter> Parameters, string? MediaType, JsonNode? Example, JsonNode? BodySchema, JsonObject Document)
{
    public override string ToString() => $"{Method} {Path}";

    public bool TakesBody => MediaType is not null;

    /// <summary>The schema at <paramref name="schema"/> with $ref, nullable oneOf/anyOf and allOf of one resolved.</summary>
    public JsonObject? Resolve(JsonNode? schema)
    {
        for (var depth = 0; depth < 20 && schema is JsonObject node; depth++)
        {
            if (node["$ref"]?.GetValue<string>() is { } reference)
            {
                schema = Document["components"]?["schemas"]?[reference.Split('/')[^1]];
                continue;
            }
            var alternatives = (node["oneOf"] ?? node["anyOf"]) as JsonArray;
            if (alternatives is not null && alternatives.Count(a => a?["type"]?.ToString() != "null") == 1)
            {
                schema = alternatives.First(a => a?["type"]?.ToString() != "null");
                continue;
            }
            return node;
        }
        return null;
    }

    /// <summary>The types a schema allows, without "null".</summary>
    public static IReadOnlyList<string> Types(JsonObject? schema) => schema?["type"] switch
    {
        JsonArray many => many.Select(t => t!.GetValue<string>()).Where(t => t != "null").ToList(),
        JsonValue one => [one.GetValue<string>()],
        _ => [],
    };
}

/// <summary>Reads a service's /openapi/v1.json into operations.</summary>
internal static class OpenApiOperations
{
    public static IReadOnlyList<Operation> Read(JsonObject document)
    {
        var operations = new List<Operation>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, node) in item!.AsObject())
            {
                if (method is "parameters" or "summary" or "description" || node is not JsonObject operation)
                {
                    continue;
                }
                var parameters = (operation["parameters"] as JsonArray ?? [])
                    .OfType<JsonObject>()
                    .Select(p =>
                    {
                        var schema = p["schema"] as JsonObject;
                        var types = Operation.Types(schema);
                        // "integer or string" (how ASP.NET documents numbers in a query) is an integer.
                        var type = types.FirstOrDefault(t => t != "string") ?? types.FirstOrDefault() ?? "string";
                        return new OperationParameter(p["name"]!.GetValue<string>(), p["in"]!.GetValue<string>(), type, schema?["format"]?.GetValue<string>(),
                            schema?["maxLength"]?.GetValue<int>(), (schema?["enum"] as JsonArray)?.Select(v => v!.ToString()).ToList());
                    })
                    .ToList();
                string? mediaType = null;
                JsonNode? example = null, bodySchema = null;
                if (operation["requestBody"]?["content"] is JsonObject content && content.Count > 0)
                {
                    var (type, media) = content.First();
                    mediaType = type;
                    example = media?["example"]?.DeepClone();
                    bodySchema = media?["schema"]?.DeepClone();
                }
                operations.Add(new Operation(method.ToUpperInvariant(), path, parameters, mediaType, example, bodySchema, document));
            }
        }
        return operations;
    }
}
