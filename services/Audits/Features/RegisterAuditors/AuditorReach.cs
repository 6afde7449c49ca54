namespace Traceability.Audits.Features.RegisterAuditors;

/// <summary>
/// What an auditor may read besides what they lead: the records of a scheme in a country that one of their accreditations
/// covers today, while they are active — the same reach Risk gives them over flags (scheme × country × validity).
/// </summary>
public static class AuditorReach
{
    public static bool Covers(AuditorResponse? auditor, string scheme, string country, DateOnly today) =>
        auditor is { Status: "active" } && auditor.Accreditations.Any(a =>
            a.Scheme == scheme && a.Countries.Contains(country) && a.ValidFrom <= today && today <= a.ValidTo);
}
