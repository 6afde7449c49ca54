using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Traceability.Audits.Features.Certificates;
using Traceability.Audits.Features.KeepFacilities;
using Traceability.Audits.Features.RegisterAuditors;
using Traceability.Data;
using Traceability.Hosting;

namespace Traceability.Audits.Features.FacilityRecords;

/// <summary>One audit of a facility, as its list shows it: what, when, who led it, and its findings counted.</summary>
public sealed record FacilityAuditSummary(Guid Id, string Scheme, string AuditType, string Announcement, DateOnly StartDate, DateOnly EndDate,
    string LeadAuditorId, string? OverallResult, int Revision, DateTime SubmittedAt, long Findings, long NonCompliances, long ZeroTolerance);

/// <summary>A page of a facility's audits the caller may read (newest first), and how many there are in all.</summary>
public sealed record FacilityAudits(KnownFacility Facility, IReadOnlyList<FacilityAuditSummary> Audits, int Page, int PageSize, long Total);

/// <summary>The certificates covering a facility that the caller may read.</summary>
public sealed record FacilityCertificates(KnownFacility Facility, IReadOnlyList<CertificateResponse> Certificates);

/// <summary>
/// A facility's audits and certificates, by GLN, Open Supply Hub id or Audits' own facility id: certifiers and admins
/// read all; an auditor those they lead and those of a scheme × country one of their active accreditations covers today,
/// where a chapter-limited accreditation's HS chapters meet the audit's (or it names none) and the certificate's scope
/// (<see cref="AuditorReach"/>).
/// A facility Audits does not know answers 404.
/// </summary>
internal static class FacilityRecordsEndpoint
{
    public static RouteGroupBuilder MapFacilityRecords(this RouteGroupBuilder api)
    {
        var facilities = api.MapGroup("/facilities").WithTags("Facilities");
        facilities.MapGet("/{key}/audits", AuditsAsync).RequireRoles(Roles.Auditor, Roles.Certifier, Roles.Admin).WithName("ListFacilityAudits")
            .WithSummary("The audits of a facility (GLN, Open Supply Hub id or Audits' id), newest first, with their findings counted, a page at a time (page, pageSize up to 500, default 50; total); an auditor sees those they led and those inside their accreditations (scheme, country, HS chapters).");
        facilities.MapGet("/{key}/certificates", CertificatesAsync).RequireRoles(Roles.Auditor, Roles.Certifier, Roles.Admin).WithName("ListFacilityCertificates")
            .WithSummary("The certificates a facility holds (GLN, Open Supply Hub id or Audits' id), latest validity first; an auditor sees those of schemes, countries and HS chapters their accreditations cover.");
        return api;
    }

    private static async Task<Results<Ok<FacilityAudits>, NotFound, ValidationProblem>> AuditsAsync(
        string key, ClaimsPrincipal user, Database database, Auditors auditors, TimeProvider time, CancellationToken cancellationToken, int page = 1, int pageSize = 50)
    {
        var (facility, problem) = await FacilityAsync(key, database, cancellationToken);
        if (facility is null)
        {
            return problem is null ? TypedResults.NotFound() : problem;
        }
        if (new ValidationErrors().RequirePage(page, pageSize) is { IsEmpty: false } errors)
        {
            return errors.ToProblem();
        }
        var reader = await ReaderAsync(user, auditors, cancellationToken);
        var reach = AuditorReach.AuditsAt(reader.Auditor, facility.Country, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime));
        var readable = new
        {
            FacilityId = facility.Id, All = reader.All ? 1 : 0, reader.AuditorId, Schemes = reach.Schemes.ToArray(), ChapterSchemes = reach.ChapterSchemes.ToArray(),
            Cells = reach.Cells.ToArray(), Offset = (page - 1) * pageSize, PageSize = pageSize,
        };
        var audits = await database.QueryAsync<FacilityAuditSummary>(FacilityRecordsSql.Audits(database.Dialect), readable, cancellationToken);
        var total = await database.QueryAsync<long>(FacilityRecordsSql.CountAudits(database.Dialect), readable, cancellationToken);
        return TypedResults.Ok(new FacilityAudits(facility, audits.Select(a => a with { SubmittedAt = DateTime.SpecifyKind(a.SubmittedAt, DateTimeKind.Utc) }).ToList(),
            page, pageSize, total[0]));
    }

    private static async Task<Results<Ok<FacilityCertificates>, NotFound, ValidationProblem>> CertificatesAsync(
        string key, ClaimsPrincipal user, Database database, Auditors auditors, Certificates.Certificates certificates, TimeProvider time, CancellationToken cancellationToken)
    {
        var (facility, problem) = await FacilityAsync(key, database, cancellationToken);
        if (facility is null)
        {
            return problem is null ? TypedResults.NotFound() : problem;
        }
        var reader = await ReaderAsync(user, auditors, cancellationToken);
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var held = await certificates.AtFacilityAsync(facility.Id, cancellationToken);
        return TypedResults.Ok(new FacilityCertificates(facility, held.Where(c => reader.All || AuditorReach.CoversCertificate(reader.Auditor, c.Scheme, facility.Country, c.ScopeHsCodes, today)).ToList()));
    }

    private static async Task<(KnownFacility? Facility, ValidationProblem? Problem)> FacilityAsync(string key, Database database, CancellationToken cancellationToken)
    {
        var isGln = key.Length == 13 && key.All(char.IsAsciiDigit);
        var isId = Guid.TryParse(key, out var id);
        // As Risk reads a facility key: anything of 3 to 15 letters and digits may be an Open Supply Hub id (and, unknown, is 404).
        var isOshId = !isGln && !isId && key.Length is >= 3 and <= 15 && key.All(char.IsAsciiLetterOrDigit);
        if (!isGln && !isId && !isOshId)
        {
            return (null, new ValidationErrors().Add("key", "A GLN (13 digits), an Open Supply Hub id or Audits' facility id.").ToProblem());
        }
        var found = await database.QueryAsync<KnownFacility>(FacilityRecordsSql.FacilityByKey,
            new { Gln = isGln ? key : null, OshId = isOshId ? key.ToUpperInvariant() : null, Id = isId ? id : (Guid?)null }, cancellationToken);
        return (found.Count == 1 ? found[0] : null, null);
    }

    private sealed record Reader(bool All, string? AuditorId, AuditorResponse? Auditor);

    private static async Task<Reader> ReaderAsync(ClaimsPrincipal user, Auditors auditors, CancellationToken cancellationToken)
    {
        if (user.IsInRole(Roles.Certifier) || user.IsInRole(Roles.Admin))
        {
            return new Reader(true, null, null);
        }
        var auditorId = user.AuditorId();
        return new Reader(false, auditorId, auditorId is null ? null : await auditors.FindAsync(auditorId, cancellationToken));
    }
}
