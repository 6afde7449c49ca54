using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Traceability.Hosting;

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

    internal static void Add(OpenApiOptions options) =>
        options.AddOperationTransformer((operation, context, _) =>
        {
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
