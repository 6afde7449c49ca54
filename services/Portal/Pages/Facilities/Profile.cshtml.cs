using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Traceability.Portal.Apis;

namespace Traceability.Portal.Pages.Facilities;

/// <summary>
/// A facility's risk profile from Risk (by GLN, Open Supply Hub id or Provenance id): its score and what adds to it, its
/// open flags, and its signals month by month over the last year, drawn as a chart on the server.
/// </summary>
public sealed class ProfileModel(RiskApi risk, AuditsApi audits, TimeProvider clock) : PageModel
{
    public string Key { get; private set; } = "";
    public ApiAnswer<FacilityRiskProfile>? Profile { get; private set; }

    /// <summary>The facility's audits and certificates from Audits (auditors and admins: caseworkers do not read audits).</summary>
    public ApiAnswer<FacilityAudits>? Audits { get; private set; }
    public ApiAnswer<FacilityCertificates>? Certificates { get; private set; }
    public bool ReadsAudits => User.IsInRole(Traceability.Hosting.Roles.Auditor) || User.IsInRole(Traceability.Hosting.Roles.Admin);
    public IReadOnlyList<(string Month, int Signals)> SignalsByMonth { get; private set; } = [];

    /// <summary>The page of the facility's audits shown (<c>?auditsPage=</c>), newest first.</summary>
    [BindProperty(SupportsGet = true)] public int AuditsPage { get; set; } = 1;
    public int AuditsPageCount => Audits?.Value is { } audits ? (int)Math.Max(1, (audits.Total + audits.PageSize - 1) / audits.PageSize) : 1;
    public string AuditsLink(int page) => $"/facilities/{Uri.EscapeDataString(Key)}?auditsPage={page}#facility-audits";

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        Key = id;
        AuditsPage = Math.Clamp(AuditsPage, 1, 100_000);
        Profile = await risk.GetFacilityRiskAsync(id, cancellationToken);
        if (Profile.NotFound)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
        }
        if (Profile.Value is { } profile)
        {
            // A signal is an indicator observed at the site, or a flag raised about it.
            var signals = profile.Signals.Select(s => s.ObservedAt).Concat(profile.OpenFlags.Select(f => f.RaisedAt));
            var now = clock.GetUtcNow().UtcDateTime;
            var months = Enumerable.Range(0, 12).Select(i => new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(i - 11)).ToList();
            var counts = signals.GroupBy(s => (s.Year, s.Month)).ToDictionary(g => g.Key, g => g.Count());
            SignalsByMonth = months.Select(m => (m.ToString("MMM yy", System.Globalization.CultureInfo.CurrentCulture), counts.GetValueOrDefault((m.Year, m.Month)))).ToList();
            // Audits knows sites by GLN or Open Supply Hub id, not by an exporter's Provenance id.
            if (ReadsAudits && (profile.Glns.FirstOrDefault() ?? profile.OshIds.FirstOrDefault()) is { } auditsKey)
            {
                var (held, certified) = (audits.GetFacilityAuditsAsync(auditsKey, AuditsPage, cancellationToken), audits.GetFacilityCertificatesAsync(auditsKey, cancellationToken));
                (Audits, Certificates) = (await held, await certified);
            }
        }
        return Page();
    }
}
