using Microsoft.AspNetCore.Http.HttpResults;
using Traceability.Data;
using Traceability.Hosting;
using Traceability.Provenance.Exporters;
using Traceability.Provenance.Features.RegisterFacility;

namespace Traceability.Provenance.Features.ExporterFlags;

/// <summary>
/// A flag as an exporter sees it: what, how severe, where it stands; never evidence, people or notes. A flag that holds
/// grievances shows a fixed explanation (a rule's own sentence could say how many workers spoke up, or about what), and
/// its grievance count only from <see cref="ExporterFlagsEndpoint.SuppressBelow"/> up.
/// </summary>
public sealed record ExporterFlag(Guid Id, string RuleId, int RuleVersion, string Severity, string SubjectType, string SubjectId, string ScopeCountry,
    string? ScopeHsChapter, string? ScopeScheme, string Explanation, string Status, string? Resolution, int? GrievanceCount, bool GrievanceCountSuppressed,
    DateTime RaisedAt, DateTime UpdatedAt);

internal static class ExporterFlagsEndpoint
{
    /// <summary>k: grievance counts below it are not shown to exporters.</summary>
    public const int SuppressBelow = 5;

    public const string WithheldExplanation =
        "Raised from signals that include worker grievances; the details are withheld to protect the workers who reported them.";

    private static readonly string[] SubjectTypes = ["shipment", "facility"];
    private static readonly string[] Statuses = ["open", "assigned", "investigating", "resolved"];

    public static RouteGroupBuilder MapExporterFlags(this RouteGroupBuilder api)
    {
        api.MapGet("/flags", ListAsync).WithName("ListExporterFlags")
            .WithSummary("Risk's flags about your own shipments and facilities, newest first (no grievance content; grievance counts below 5 withheld).");
        return api;
    }

    private static async Task<Results<Ok<RecordPage<ExporterFlag>>, ValidationProblem>> ListAsync(
        HttpContext http, Database database, CancellationToken cancellationToken, string? subjectType = null, string? status = null, int page = 1, int pageSize = 50)
    {
        var errors = new ValidationErrors();
        errors.Require(subjectType is null || SubjectTypes.Contains(subjectType), "subjectType", "The subject type is 'shipment' or 'facility'.");
        errors.Require(status is null || Statuses.Contains(status), "status", "The status is open, assigned, investigating or resolved.");
        errors.RequirePage(page, pageSize);
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }
        var filter = new { ExporterId = Exporter.From(http).Id, SubjectType = subjectType, Status = status, Offset = (page - 1) * pageSize, PageSize = pageSize };
        var rows = await database.QueryAsync<Row>(ExporterFlagsSql.Page, filter, cancellationToken);
        var total = (await database.QueryAsync<long>(ExporterFlagsSql.Count, filter, cancellationToken))[0];
        return TypedResults.Ok(new RecordPage<ExporterFlag>(rows.Select(r => r.ToExporterFlag()).ToList(), page, pageSize, total));
    }

    private sealed record Row
    {
        public Guid Id { get; init; }
        public string RuleId { get; init; } = "";
        public int RuleVersion { get; init; }
        public string Severity { get; init; } = "";
        public string SubjectType { get; init; } = "";
        public string SubjectId { get; init; } = "";
        public string ScopeCountry { get; init; } = "";
        public string? ScopeHsChapter { get; init; }
        public string? ScopeScheme { get; init; }
        public string Explanation { get; init; } = "";
        public int GrievanceCount { get; init; }
        public string Status { get; init; } = "";
        public string? Resolution { get; init; }
        public DateTime RaisedAt { get; init; }
        public DateTime UpdatedAt { get; init; }

        public ExporterFlag ToExporterFlag() => new(Id, RuleId, RuleVersion, Severity, SubjectType, SubjectId, ScopeCountry, ScopeHsChapter, ScopeScheme,
            GrievanceCount > 0 ? WithheldExplanation : Explanation, Status, Resolution,
            GrievanceCount >= SuppressBelow ? GrievanceCount : null, GrievanceCount < SuppressBelow,
            DateTime.SpecifyKind(RaisedAt, DateTimeKind.Utc), DateTime.SpecifyKind(UpdatedAt, DateTimeKind.Utc));
    }
}
