namespace Traceability.Provenance.Exporters;

/// <summary>
/// Every exporter endpoint runs behind this filter: the API key (<c>Authorization: Bearer</c> or
/// <c>X-Api-Key</c>) must belong to an exporter and not be revoked. Reads and writes are then
/// scoped to that exporter.
/// </summary>
internal sealed class RequireExporter(ExporterKeys keys) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var exporter = await keys.FindAsync(ApiKey.FromRequest(http.Request), http.RequestAborted);
        if (exporter is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "A valid API key is required.",
                detail: "Send the exporter's API key as 'Authorization: Bearer <key>' or in 'X-Api-Key'. Revoked keys are refused.");
        }
        http.Items[typeof(Exporter)] = exporter;
        return await next(context);
    }
}

/// <summary>The exporter (tenant) making the request.</summary>
internal sealed record Exporter(string Id)
{
    public static Exporter From(HttpContext context) =>
        context.Items[typeof(Exporter)] as Exporter ?? throw new InvalidOperationException("RequireExporter did not run for this endpoint.");
}
