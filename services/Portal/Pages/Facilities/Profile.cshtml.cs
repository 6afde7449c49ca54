using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Traceability.Portal.Apis;

namespace Traceability.Portal.Pages.Facilities;

/// <summary>
/// A facility's risk profile: the signals raised about it month by month over the last year (each flag raised and each
/// piece of evidence appended to one), and its flags. Everything comes from Risk, scoped to this user.
/// </summary>
public sealed class ProfileModel(RiskApi risk, TimeProvider clock) : PageModel
{
    /// <summary>Flags whose evidence is read for the chart (one call each): the facility's most recent ones.</summary>
    public const int FlagsCharted = 20;

    public string FacilityId { get; private set; } = "";
    public ApiAnswer<FlagPage>? Flags { get; private set; }
    public IReadOnlyList<(string Month, int Signals)> SignalsByMonth { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        FacilityId = id;
        Flags = await risk.ListFlagsAsync(new FlagQuery { SubjectType = "facility", SubjectId = id, PageSize = 100 }, cancellationToken);
        if (Flags.Value is not { } page)
        {
            return Page();
        }
        var details = await Task.WhenAll(page.Items.Take(FlagsCharted).Select(f => risk.GetFlagAsync(f.Id, cancellationToken)));
        var signals = page.Items.Select(f => f.RaisedAt)
            .Concat(details.Where(d => d.Value is not null).SelectMany(d => d.Value!.Evidence.Select(e => e.AppendedAt)));
        var now = clock.GetUtcNow().UtcDateTime;
        var months = Enumerable.Range(0, 12).Select(i => new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(i - 11)).ToList();
        var counts = signals.GroupBy(s => (s.Year, s.Month)).ToDictionary(g => g.Key, g => g.Count());
        SignalsByMonth = months.Select(m => (m.ToString("MMM yy", System.Globalization.CultureInfo.CurrentCulture), counts.GetValueOrDefault((m.Year, m.Month)))).ToList();
        return Page();
    }
}
