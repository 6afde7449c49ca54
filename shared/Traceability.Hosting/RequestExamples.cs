using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Traceability.Hosting;

/// <summary>A request header an endpoint reads, documented as an OpenAPI header parameter.</summary>
/// <param name="Name">The header.</param>
/// <param name="Description">What it does.</param>
/// <param name="MaxLength">Its longest value, when it has one.</param>
/// <param name="Values">The values it takes, when it is one of a few.</param>
public sealed record RequestHeader(string Name, string Description, int? MaxLength = null, IReadOnlyList<string>? Values = null);

/// <summary>A valid request body for an endpoint, shown in its OpenAPI document.</summary>
/// <param name="Json">The body as JSON.</param>
public sealed record RequestExample(string Json);

/// <summary>
/// Every operation that takes a body documents a valid one: clients read it, and the negative-input
/// harness (tests/Traceability.IntegrationTests/BadInput_Specs.cs) starts from it and breaks one field
/// at a time, so each refusal can be checked to name the field that was broken.
/// </summary>
public static class RequestExamples
{
    /// <summary>Documents <paramref name="json"/> as this endpoint's example request body.</summary>
    public static TBuilder WithRequestExample<TBuilder>(this TBuilder builder, string json) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestExample(json));

    /// <summary>Documents a request header the endpoint reads (its limits too, so clients and the harness know them).</summary>
    public static TBuilder WithRequestHeader<TBuilder>(this TBuilder builder, RequestHeader header) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(header);

    internal static void Add(OpenApiOptions options) =>
        options.AddOperationTransformer((operation, context, _) =>
        {
            foreach (var header in context.Description.ActionDescriptor.EndpointMetadata.OfType<RequestHeader>())
            {
                var schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = header.MaxLength };
                foreach (var value in header.Values ?? [])
                {
                    (schema.Enum ??= []).Add(JsonValue.Create(value));
                }
                (operation.Parameters ??= []).Add(new OpenApiParameter
                {
                    Name = header.Name,
                    In = ParameterLocation.Header,
                    Description = header.Description,
                    Schema = schema,
                });
            }
            var example = context.Description.ActionDescriptor.EndpointMetadata.OfType<RequestExample>().LastOrDefault();
            if (example is not null && operation.RequestBody?.Content is { } content)
            {
                foreach (var media in content.Values)
                {
                    media.Example = JsonNode.Parse(example.Json);
                }
            }
            return Task.CompletedTask;
        });
}
