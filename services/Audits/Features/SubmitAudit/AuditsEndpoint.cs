using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Traceability.Audits.Features.RegisterAuditors;
using Traceability.Audits.Standards;
using Traceability.Hosting.Idempotency;
using Traceability.Hosting;

namespace Traceability.Audits.Features.SubmitAudit;

internal static class AuditsEndpoint
{
    public const string Example = """
        {"facility":{"gln":"6291041500213","oshId":"GH2024001AB12CD","name":"Ahafo Cocoa Cooperative","country":"GH"},
         "scheme":"sa8000","auditType":"periodic","announcement":"unannounced","startDate":"2026-10-12","endDate":"2026-10-14",
         "team":["Kofi Boateng"],"workersInterviewed":24,"headcount":{"women":120,"men":80,"migrant":30,"young":2},"hsChapters":["18"],
         "overallResult":"fail",
         "findings":[{"code":"FL-DOCUMENTS-RETAINED","severity":"zero-tolerance","description":"Passports of 12 migrant workers kept in the office safe.",
           "evidence":[{"sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","mediaType":"image/jpeg","description":"Safe log"}],
           "correctiveAction":{"description":"Return every passport; lockers for workers.","dueDate":"2026-11-14"}},
          {"schemeItem":"5","severity":"major","description":"Women paid less than men for the same work."}]}
        """;

    // The spreadsheet layout auditors keep; the evidence's SHA-256 last, so that a file cut short is one that is refused.
    public const string CsvExample = """
        "Ref,Code,Severity,Description,Corrective action,Due date,Evidence type,Evidence SHA-256\nNC-7,HR-NO-REST-DAY,major,No day off in 14 days,Rota with a rest day,2026-12-01,application/pdf,9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        """;

    public static RouteGroupBuilder MapAudits(this RouteGroupBuilder api)
    {
        var audits = api.MapGroup("/audits").WithTags("Audits");
        audits.MapPost("", SubmitAsync).RequireRoles(Roles.Auditor).WithIdempotencyKey().WithName("SubmitAudit")
            .WithSummary("Submits an audit led by the calling auditor; refused with 403 and a reason outside their accreditation.")
            .WithRequestExample(Example);
        audits.MapPost("/{id:guid}/findings", AddFindingsAsync).RequireRoles(Roles.Auditor).WithIdempotencyKey().WithName("UploadFindings")
            .WithSummary("Adds findings to the caller's audit from a CSV file (UTF-8, a header row, one row per finding).")
            .Accepts<string>(FindingsCsv.MediaType).WithMetadata(new RequestSizeLimitAttribute(FindingsCsv.MaxBytes)).WithRequestExample(CsvExample);
        audits.MapGet("/{id:guid}", GetAsync).RequireRoles(Roles.Auditor, Roles.Certifier, Roles.Admin).WithName("GetAudit")
            .WithSummary("An audit with its findings (an auditor sees the audits they lead and those inside their accreditations: scheme, country, HS chapters).");
        return api;
    }

    private static async Task<IResult> SubmitAsync(AuditRequest? request, HttpContext http, Audits audits, FindingCodes codes, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return new ValidationErrors().Add("$", "A JSON audit is required in the body.").ToProblem();
        }
        if (!request.TryValidate(codes, audits.Today, out var audit, out var errors))
        {
            return errors.ToProblem();
        }
        if (http.User.AuditorId() is not { } auditorId)
        {
            return AuditScope.ToProblem(new ScopeRefusal("not-registered", "The token carries no auditor id (auditor_id): only a registered auditor submits audits."));
        }
        var outcome = await audits.SubmitAsync(http, auditorId, http.User.Subject() ?? auditorId, audit, cancellationToken);
        return outcome switch
        {
            { Refusal: { } refusal } => AuditScope.ToProblem(refusal),
            { Errors: { } invalid } => invalid.ToProblem(),
            _ => TypedResults.Created($"/api/v1/audits/{outcome.Audit!.Id}", outcome.Audit),
        };
    }

    private static async Task<IResult> AddFindingsAsync(Guid id, HttpContext http, Audits audits, FindingCodes codes, CancellationToken cancellationToken)
    {
        var contentType = http.Request.ContentType ?? "";
        var mediaType = contentType.Split(';')[0].Trim();
        var charset = contentType.Split(';').Skip(1).Select(p => p.Trim()).FirstOrDefault(p => p.StartsWith("charset=", StringComparison.OrdinalIgnoreCase))?[8..].Trim('"');
        if (!mediaType.Equals(FindingsCsv.MediaType, StringComparison.OrdinalIgnoreCase) || (charset is not null && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Send the findings as text/csv in UTF-8.",
                detail: "Content-Type: text/csv (charset utf-8, or none).");
        }
        if (http.User.AuditorId() is not { } auditorId)
        {
            return TypedResults.NotFound();
        }
        var file = await ReadBodyAsync(http, cancellationToken);
        var audit = await audits.FindAsync(id, auditorId, cancellationToken);
        if (audit is null)
        {
            return TypedResults.NotFound();
        }
        var (findings, errors) = FindingsCsv.Read(file, Schemes.Find(audit.Scheme)!, audit.EndDate, codes);
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }
        var outcome = await audits.AddFindingsAsync(http, id, auditorId, findings, cancellationToken);
        return outcome switch
        {
            null => TypedResults.NotFound(),
            { Errors: { } invalid } => invalid.ToProblem(),
            { Conflict: { } conflict } => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: conflict),
            _ => TypedResults.Ok(outcome.Audit),
        };
    }

    private static async Task<byte[]> ReadBodyAsync(HttpContext http, CancellationToken cancellationToken)
    {
        // Within the endpoint's size limit (Kestrel refuses a longer body with 413 while it is read).
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    private static async Task<Results<Ok<AuditResponse>, NotFound>> GetAsync(Guid id, HttpContext http, Audits audits, Auditors auditors, CancellationToken cancellationToken)
    {
        // Certifiers and admins read every audit; an auditor the audits they lead and those inside an accreditation of theirs
        // (scheme, country, validity and HS chapters, as the facility's audit list shows them); any other answers as a missing one.
        var audit = await audits.FindAsync(id, null, cancellationToken);
        if (audit is null || http.User.IsInRole(Roles.Certifier) || http.User.IsInRole(Roles.Admin))
        {
            return audit is null ? TypedResults.NotFound() : TypedResults.Ok(audit);
        }
        var auditorId = http.User.AuditorId();
        var mayRead = auditorId is not null && (audit.LeadAuditorId == auditorId
            || AuditorReach.CoversAudit(await auditors.FindAsync(auditorId, cancellationToken), audit.Scheme, audit.Facility.Country, audit.HsChapters, audits.Today));
        return mayRead ? TypedResults.Ok(audit) : TypedResults.NotFound();
    }
}
