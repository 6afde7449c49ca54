using System.Text.RegularExpressions;

namespace Traceability.Provenance.Exporters;

/// <summary>
/// The seam through which an exporter's identity reaches the endpoints. Until API keys exist
/// (issue #3), the caller names itself in <c>X-Exporter-Id</c>; every read and write is then
/// scoped to that exporter. API-key authentication replaces this filter, not the endpoints.
/// </summary>
internal sealed partial class RequireExporter : IEndpointFilter
{
    public const string Header = "X-Exporter-Id";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var value = context.HttpContext.Request.Headers[Header].ToString();
        if (!ExporterId().IsMatch(value))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "The exporter is not identified.",
                detail: $"Send the exporter's id in the {Header} header (1-64 letters, digits, '-' or '_').");
        }
        context.HttpContext.Items[typeof(Exporter)] = new Exporter(value);
        return await next(context);
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex ExporterId();
}

/// <summary>The exporter (tenant) making the request.</summary>
internal sealed record Exporter(string Id)
{
    public static Exporter From(HttpContext context) =>
        context.Items[typeof(Exporter)] as Exporter ?? throw new InvalidOperationException("RequireExporter did not run for this endpoint.");
}
