namespace Traceability.Audits.Features.RegisterAuditors;

/// <summary>
/// What an auditor may read besides what they lead: the records of a scheme in a country that one of their accreditations
/// covers today, while they are active, within its HS chapters — the same reach Risk gives them over flags (scheme ×
/// country × HS chapter × validity).
/// </summary>
public static class AuditorReach
{
    /// <summary>
    /// A certificate (its scope's HS codes) inside an active accreditation: the scheme and country as for an audit, and
    /// an accreditation limited to HS chapters only when one of the scope's codes lies in one of them (one without
    /// chapters covers every sector). One chapter in common is enough: Risk scopes a certificate's flags by the chapter of
    /// the shipment that claims it, and an auditor who may work such a flag must be able to read the certificate.
    /// </summary>
    public static bool CoversCertificate(AuditorResponse? auditor, string scheme, string country, IReadOnlyList<string> scopeHsCodes, DateOnly today) =>
        auditor is { Status: "active" } && auditor.Accreditations.Any(a => CoversSite(a, scheme, country, today)
            && (a.HsChapters.Count == 0 || scopeHsCodes.Any(code => code.Length >= 2 && a.HsChapters.Contains(code[..2]))));

    /// <summary>
    /// An audit inside an active accreditation: the scheme and country as for a site's records, and an accreditation
    /// limited to HS chapters only when the audit names one of them or names none (it covers the whole site, as Risk
    /// opens a flag without a chapter to every sector). <see cref="AuditsAt"/> is the same reach as list parameters.
    /// </summary>
    public static bool CoversAudit(AuditorResponse? auditor, string scheme, string country, IReadOnlyList<string> hsChapters, DateOnly today) =>
        auditor is { Status: "active" } && auditor.Accreditations.Any(a => CoversSite(a, scheme, country, today)
            && (a.HsChapters.Count == 0 || hsChapters.Count == 0 || hsChapters.Any(a.HsChapters.Contains)));

    /// <summary>
    /// Which audits at a site in <paramref name="country"/> the auditor may read today (nothing when not active):
    /// every audit of <see cref="AuditReach.Schemes"/>; of <see cref="AuditReach.ChapterSchemes"/> those that name no
    /// chapter, and those with a <see cref="Cell"/> in <see cref="AuditReach.Cells"/>.
    /// </summary>
    public static AuditReach AuditsAt(AuditorResponse? auditor, string country, DateOnly today)
    {
        var here = auditor is { Status: "active" } ? auditor.Accreditations.Where(a => CoversSite(a, a.Scheme, country, today)).ToList() : [];
        var schemes = here.Where(a => a.HsChapters.Count == 0).Select(a => a.Scheme).Distinct().ToList();
        var limited = here.Where(a => !schemes.Contains(a.Scheme)).ToList();
        return new AuditReach(schemes, limited.Select(a => a.Scheme).Distinct().ToList(),
            limited.SelectMany(a => a.HsChapters.Select(chapter => Cell(a.Scheme, chapter))).Distinct().ToList());
    }

    /// <summary>The scheme × HS chapter cell an audit lies in for each chapter it names (audits.audit_chapter).</summary>
    public static string Cell(string scheme, string hsChapter) => $"{scheme}/{hsChapter}";

    private static bool CoversSite(ValidAccreditation accreditation, string scheme, string country, DateOnly today) =>
        accreditation.Scheme == scheme && accreditation.Countries.Contains(country) && accreditation.ValidFrom <= today && today <= accreditation.ValidTo;
}

/// <summary>An auditor's reach over a site's audits, as <see cref="AuditorReach.AuditsAt"/> computes it.</summary>
/// <param name="Schemes">Schemes accredited in every sector: all their audits.</param>
/// <param name="ChapterSchemes">Schemes accredited only for some HS chapters: their audits that name no chapter.</param>
/// <param name="Cells">The scheme × chapter cells of those chapter-limited accreditations.</param>
public sealed record AuditReach(IReadOnlyList<string> Schemes, IReadOnlyList<string> ChapterSchemes, IReadOnlyList<string> Cells);
