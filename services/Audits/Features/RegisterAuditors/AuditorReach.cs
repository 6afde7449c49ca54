namespace Traceability.Audits.Features.RegisterAuditors;

/// <summary>
/// What an auditor may read besides what they lead: the records of a scheme in a country that one of their accreditations
/// covers today, while they are active — the same reach Risk gives them over flags (scheme × country × validity).
/// </summary>
public static class AuditorReach
{
    public static bool Covers(AuditorResponse? auditor, string scheme, string country, DateOnly today) =>
        auditor is { Status: "active" } && auditor.Accreditations.Any(a => CoversSite(a, scheme, country, today));

    /// <summary>
    /// A certificate (its scope's HS codes) inside an active accreditation: the scheme and country as for an audit, and
    /// an accreditation limited to HS chapters only when one of the scope's codes lies in one of them (one without
    /// chapters covers every sector). One chapter in common is enough: Risk scopes a certificate's flags by the chapter of
    /// the shipment that claims it, and an auditor who may work such a flag must be able to read the certificate.
    /// </summary>
    public static bool CoversCertificate(AuditorResponse? auditor, string scheme, string country, IReadOnlyList<string> scopeHsCodes, DateOnly today) =>
        auditor is { Status: "active" } && auditor.Accreditations.Any(a => CoversSite(a, scheme, country, today)
            && (a.HsChapters.Count == 0 || scopeHsCodes.Any(code => code.Length >= 2 && a.HsChapters.Contains(code[..2]))));

    /// <summary>The schemes whose records at a site in <paramref name="country"/> the auditor may read today (none when not active).</summary>
    public static IReadOnlyList<string> SchemesAt(AuditorResponse? auditor, string country, DateOnly today) =>
        auditor is { Status: "active" }
            ? auditor.Accreditations.Where(a => CoversSite(a, a.Scheme, country, today)).Select(a => a.Scheme).Distinct().ToList()
            : [];

    private static bool CoversSite(ValidAccreditation accreditation, string scheme, string country, DateOnly today) =>
        accreditation.Scheme == scheme && accreditation.Countries.Contains(country) && accreditation.ValidFrom <= today && today <= accreditation.ValidTo;
}
