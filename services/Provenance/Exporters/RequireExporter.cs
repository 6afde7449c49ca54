namespace Traceability.Provenance.Exporters;

/// <summary>
/// Every exporter endpoint requires an API key (<c>Authorization: Bearer</c> or <c>X-Api-Key</c>) that
/// belongs to an exporter and is not revoked. The key is verified before rate limiting
/// (<see cref="VerifyAsync"/>), so that only a verified key spends its own bucket: wrong secrets sent
/// with someone's prefix are counted against the sender's address, never against the key. Reads and
/// writes are then scoped to that exporter.
/// </summary>
internal sealed class RequireExporter : IEndpointFilter
{
    /// <summary>Marks the endpoints that take an exporter's key.</summary>
    public sealed class Metadata;

    /// <summary>Middleware (after routing, before rate limiting): verifies the key of a request to an exporter endpoint.</summary>
    public static async Task VerifyAsync(HttpContext http, RequestDelegate next)
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<Metadata>() is not null)
        {
            var keys = http.RequestServices.GetRequiredService<ExporterKeys>();
            if (await keys.FindAsync(ApiKey.FromRequest(http.Request), http.RequestAborted) is { } verified)
            {
                http.Items[typeof(Exporter)] = verified;
            }
        }
        await next(http);
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.Items[typeof(Exporter)] is not Exporter)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "A valid API key is required.",
                detail: "Send the exporter's API key as 'Authorization: Bearer <key>' or in 'X-Api-Key'. Revoked keys are refused.");
        }
        return await next(context);
    }
}

/// <summary>The exporter (tenant) making the request, and the prefix of the key it proved.</summary>
internal sealed record Exporter(string Id)
{
    public string KeyPrefix { get; init; } = "";

    public static Exporter From(HttpContext context) =>
        context.Items[typeof(Exporter)] as Exporter ?? throw new InvalidOperationException("RequireExporter did not run for this endpoint.");
}
