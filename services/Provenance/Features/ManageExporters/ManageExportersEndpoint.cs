using Microsoft.AspNetCore.Http.HttpResults;
using Traceability.Hosting;
using Traceability.Provenance.Exporters;

namespace Traceability.Provenance.Features.ManageExporters;

internal static class ManageExportersEndpoint
{
    public static RouteGroupBuilder MapManageExporters(this RouteGroupBuilder admin)
    {
        admin.MapPost("/exporters", CreateAsync).WithName("CreateExporter").WithSummary("Onboards an exporter.")
            .WithRequestExample("""{"id":"kakao-export","name":"Kakao Export Ltd"}""");
        admin.MapGet("/exporters", async (ExporterAccounts accounts, CancellationToken ct) => TypedResults.Ok(await accounts.ListAsync(ct)))
            .WithName("ListExporters");
        admin.MapPost("/exporters/{exporterId}/keys", IssueAsync).WithName("IssueApiKey").WithSummary("Issues an API key; the key is in this answer only.");
        admin.MapGet("/exporters/{exporterId}/keys", ListKeysAsync).WithName("ListApiKeys");
        admin.MapPost("/exporters/{exporterId}/keys/{keyId:guid}/rotate", RotateAsync).WithName("RotateApiKey")
            .WithSummary("Issues a new key and revokes this one, in one step.");
        admin.MapDelete("/exporters/{exporterId}/keys/{keyId:guid}", RevokeAsync).WithName("RevokeApiKey");
        return admin;
    }

    private static async Task<Results<Created<ExporterResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateExporterRequest? request, ExporterAccounts accounts, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return new ValidationErrors().Add("$", "A JSON body with the exporter's name is required.").ToProblem();
        }
        if (!ExporterAccounts.TryValidate(request, out var errors))
        {
            return errors.ToProblem();
        }
        var created = await accounts.CreateAsync(request, cancellationToken);
        return created is null
            ? TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["id"] = ["An exporter with this id exists."] })
            {
                Status = StatusCodes.Status409Conflict,
                Title = $"An exporter with id '{request.Id}' exists.",
            })
            : TypedResults.Created($"/admin/exporters/{created.Id}", created);
    }

    private static async Task<Results<Created<IssuedKeyResponse>, NotFound>> IssueAsync(string exporterId, ExporterAccounts accounts, CancellationToken cancellationToken) =>
        await accounts.IssueKeyAsync(exporterId, null, cancellationToken) is { } issued
            ? TypedResults.Created($"/admin/exporters/{exporterId}/keys/{issued.KeyId}", issued)
            : TypedResults.NotFound();

    private static async Task<Results<Ok<IReadOnlyList<KeyResponse>>, NotFound>> ListKeysAsync(string exporterId, ExporterAccounts accounts, CancellationToken cancellationToken) =>
        await accounts.ExistsAsync(exporterId, cancellationToken)
            ? TypedResults.Ok(await accounts.KeysAsync(exporterId, cancellationToken))
            : TypedResults.NotFound();

    private static async Task<Results<Created<IssuedKeyResponse>, NotFound>> RotateAsync(string exporterId, Guid keyId, ExporterAccounts accounts, CancellationToken cancellationToken) =>
        await accounts.IssueKeyAsync(exporterId, keyId, cancellationToken) is { } issued
            ? TypedResults.Created($"/admin/exporters/{exporterId}/keys/{issued.KeyId}", issued)
            : TypedResults.NotFound();

    private static async Task<Results<NoContent, NotFound>> RevokeAsync(string exporterId, Guid keyId, ExporterAccounts accounts, CancellationToken cancellationToken) =>
        await accounts.RevokeKeyAsync(exporterId, keyId, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();
}
