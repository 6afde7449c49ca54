using Microsoft.AspNetCore.Http.HttpResults;
using Traceability.Hosting;

namespace Traceability.Audits.Features.RegisterAuditors;

/// <summary>One page of a list.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int PageNumber, int PageSize, long Total);

internal static class AuditorsEndpoint
{
    public const string Example = """
        {"id":"ama-mensah","name":"Ama Mensah","firm":"Fair Audits Ghana","apscaNumber":"21700123","level":"CSCA","status":"active",
         "accreditations":[{"scheme":"sa8000","countries":["GH","CI"],"hsChapters":["18"],"validFrom":"2025-01-01","validTo":"2027-12-31"}]}
        """;

    public static RouteGroupBuilder MapAuditors(this RouteGroupBuilder api)
    {
        var registry = api.MapGroup("/auditors").WithTags("Auditors");
        registry.MapPost("", RegisterAsync).RequireRoles(Roles.Certifier, Roles.Admin).WithName("RegisterAuditor")
            .WithSummary("Registers an auditor with their APSCA level and accreditations.").WithRequestExample(Example);
        registry.MapPut("/{auditorId}", ReplaceAsync).RequireRoles(Roles.Certifier, Roles.Admin).WithName("ReplaceAuditor")
            .WithSummary("Replaces an auditor's details, status and accreditations; the revision goes up when anything changed.").WithRequestExample(Example);
        registry.MapGet("/{auditorId}", GetAsync).RequireRoles(Roles.Certifier, Roles.Admin, Roles.Auditor).WithName("GetAuditor")
            .WithSummary("An auditor's record (an auditor sees only their own).");
        registry.MapGet("", ListAsync).RequireRoles(Roles.Certifier, Roles.Admin).WithName("ListAuditors");
        return api;
    }

    private static async Task<Results<Created<AuditorResponse>, ValidationProblem>> RegisterAsync(AuditorRequest? request, Auditors auditors, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return new ValidationErrors().Add("$", "A JSON auditor is required in the body.").ToProblem();
        }
        if (!request.TryValidate(null, out var auditor, out var errors))
        {
            return errors.ToProblem();
        }
        var registered = await auditors.RegisterAsync(auditor, cancellationToken);
        return TypedResults.Created($"/api/v1/auditors/{registered.Id}", registered);
    }

    private static async Task<Results<Ok<AuditorResponse>, ValidationProblem, NotFound, ProblemHttpResult>> ReplaceAsync(
        string auditorId, AuditorRequest? request, Auditors auditors, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return new ValidationErrors().Add("$", "A JSON auditor is required in the body.").ToProblem();
        }
        if (!request.TryValidate(auditorId, out var auditor, out var errors))
        {
            return errors.ToProblem();
        }
        var (outcome, replaced) = await auditors.ReplaceAsync(auditor, cancellationToken);
        return outcome switch
        {
            Auditors.Outcome.Done => TypedResults.Ok(replaced!),
            Auditors.Outcome.NotFound => TypedResults.NotFound(),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The auditor was changed at the same time; read it again and retry."),
        };
    }

    private static async Task<Results<Ok<AuditorResponse>, NotFound>> GetAsync(string auditorId, HttpContext http, Auditors auditors, CancellationToken cancellationToken)
    {
        // An auditor reads their own record; another auditor's id answers as a missing one.
        var mayRead = http.User.IsInRole(Roles.Certifier) || http.User.IsInRole(Roles.Admin) || http.User.AuditorId() == auditorId;
        return mayRead && await auditors.FindAsync(auditorId, cancellationToken) is { } auditor ? TypedResults.Ok(auditor) : TypedResults.NotFound();
    }

    private static async Task<Results<Ok<Page<AuditorResponse>>, ValidationProblem>> ListAsync(
        Auditors auditors, CancellationToken cancellationToken, string? status = null, int page = 1, int pageSize = 50)
    {
        var errors = new ValidationErrors();
        errors.Require(status is null || AuditorRequest.Statuses.Contains(status), "status", "The status is active, suspended or withdrawn.");
        errors.RequirePage(page, pageSize);
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }
        var (items, total) = await auditors.PageAsync(status, page, pageSize, cancellationToken);
        return TypedResults.Ok(new Page<AuditorResponse>(items, page, pageSize, total));
    }
}
