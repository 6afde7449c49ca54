using Traceability.Audits.Features.RegisterAuditors;
using Traceability.Audits.Standards;

namespace Traceability.Audits.Features.SubmitAudit;

/// <summary>Why an auditor may not submit an audit: a stable reason code and a sentence for people.</summary>
/// <param name="Reason">The code clients branch on.</param>
/// <param name="Detail">What to tell the auditor.</param>
public sealed record ScopeRefusal(string Reason, string Detail);

/// <summary>
/// Whether the lead auditor may submit this audit: registered and active, RA or CSCA (APSCA: only they sign
/// off an audit), accredited for the scheme, the facility's country, every on-site day and the sectors
/// audited, and not leading a third audit in a row of one facility under one scheme (rotation).
/// </summary>
public static class AuditScope
{
    /// <summary>Consecutive audits of one facility under one scheme that one auditor may lead.</summary>
    public const int MaxConsecutiveLeads = 2;

    /// <summary>
    /// The refusal, or null when the audit is in scope. <paramref name="previousLeads"/> are the lead auditors of
    /// the facility's latest audits under the scheme before this one, latest first (follow-ups left out).
    /// </summary>
    public static ScopeRefusal? Check(AuditorResponse? auditor, string auditorId, ValidAudit audit, string country, IReadOnlyList<string> previousLeads)
    {
        if (auditor is null)
        {
            return new("not-registered", $"Auditor {auditorId} is not in the auditor registry.");
        }
        if (auditor.Status != "active")
        {
            return new("auditor-not-active", $"Auditor {auditor.Id} is {auditor.Status}: only an active auditor submits audits.");
        }
        if (auditor.Level == "ASCA")
        {
            return new("level-may-not-lead", "An ASCA (associate) may not lead or sign off an audit: the lead auditor is an RA or a CSCA.");
        }
        var scheme = audit.Scheme;
        var forScheme = auditor.Accreditations.Where(a => a.Scheme == scheme.Id).ToList();
        if (forScheme.Count == 0)
        {
            return new("not-accredited-for-scheme", $"Auditor {auditor.Id} holds no accreditation for {scheme.Name}.");
        }
        var forCountry = forScheme.Where(a => a.Countries.Contains(country)).ToList();
        if (forCountry.Count == 0)
        {
            return new("not-accredited-for-country", $"Auditor {auditor.Id}'s {scheme.Name} accreditation does not cover {country}, the facility's country.");
        }
        var onDates = forCountry.Where(a => a.ValidFrom <= audit.StartDate && audit.EndDate <= a.ValidTo).ToList();
        if (onDates.Count == 0)
        {
            return new("not-accredited-on-audit-dates",
                $"Auditor {auditor.Id}'s {scheme.Name} accreditation for {country} is not valid on every on-site day ({audit.StartDate:yyyy-MM-dd} to {audit.EndDate:yyyy-MM-dd}).");
        }
        if (audit.HsChapters.Count > 0 && !onDates.Any(a => a.HsChapters.Count == 0 || audit.HsChapters.All(a.HsChapters.Contains)))
        {
            return new("not-accredited-for-sector",
                $"Auditor {auditor.Id}'s {scheme.Name} accreditation for {country} does not cover HS chapters {string.Join(", ", audit.HsChapters)}.");
        }
        if (audit.AuditType != "follow-up" && previousLeads.Count >= MaxConsecutiveLeads && previousLeads.Take(MaxConsecutiveLeads).All(lead => lead == auditor.Id))
        {
            return new("rotation",
                $"Auditor {auditor.Id} led the last {MaxConsecutiveLeads} audits of this facility under {scheme.Name}: another auditor leads this one (rotation).");
        }
        return null;
    }

    /// <summary>A refusal as RFC 9457 problem details: 403, the reason in <c>reason</c>.</summary>
    public static IResult ToProblem(ScopeRefusal refusal) => TypedResults.Problem(
        statusCode: StatusCodes.Status403Forbidden,
        title: "This audit is outside the auditor's scope.",
        detail: refusal.Detail,
        extensions: new Dictionary<string, object?> { ["reason"] = refusal.Reason });
}
