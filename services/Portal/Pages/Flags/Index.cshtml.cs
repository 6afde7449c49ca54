using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Traceability.Portal.Apis;

namespace Traceability.Portal.Pages.Flags;

/// <summary>The flag queue: Risk's flags this user may see (newest first), filtered and paged by Risk itself.</summary>
public sealed class QueueModel(RiskApi risk) : PageModel
{
    public static readonly string[] Severities = ["critical", "high", "medium", "low"];
    public static readonly string[] Statuses = ["open", "assigned", "investigating", "resolved"];

    /// <summary>The outcomes a resolved flag has (Risk's <c>resolution</c>): the status filter offers each as "resolved as …".</summary>
    public static readonly string[] Resolutions = ["confirmed", "dismissed", "remediated", "withdrawn"];

    /// <summary>The orders Risk sorts by (its <c>sort</c> names), the default first.</summary>
    public static readonly string[] Sorts = ["-raised", "raised", "-severity", "severity", "due", "-due"];

    [BindProperty(SupportsGet = true)] public string? Severity { get; set; }
    [BindProperty(SupportsGet = true)] public string? Rule { get; set; }
    [BindProperty(SupportsGet = true)] public string? Status { get; set; }
    [BindProperty(SupportsGet = true)] public bool Overdue { get; set; }
    [BindProperty(SupportsGet = true)] public bool Escalated { get; set; }
    // The flags about one subject (a shipment's or a facility's page links here).
    [BindProperty(SupportsGet = true)] public string? SubjectId { get; set; }
    [BindProperty(SupportsGet = true)] public string? Country { get; set; }
    [BindProperty(SupportsGet = true)] public string? Sort { get; set; }
    // Not "page": Razor Pages keeps that name for the page's own route value.
    [BindProperty(SupportsGet = true, Name = "p")] public int PageNumber { get; set; } = 1;

    public ApiAnswer<FlagPage>? Flags { get; private set; }

    public int PageCount => Flags?.Value is { } page ? (int)Math.Max(1, (page.Total + page.PageSize - 1) / page.PageSize) : 1;

    // Risk stops counting at 1,000 flags (or at the page asked for): "page 1 of 20+", and the next page is always offered then.
    public string PageCountText => Flags?.Value is { TotalCapped: true } ? $"{PageCount.ToString(CultureInfo.CurrentCulture)}+" : PageCount.ToString(CultureInfo.CurrentCulture);

    public bool HasNextPage => Flags?.Value is { } page && (page.Page < PageCount || page.TotalCapped);

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        // Risk validates the country (and says why it refuses one); the portal only tidies what a person typed.
        Country = string.IsNullOrWhiteSpace(Country) ? null : Country.Trim().ToUpperInvariant();
        Sort = Sorts.Contains(Sort) && Sort != Sorts[0] ? Sort : null;
        // One filter for where a flag stands: a status, or a resolved flag's outcome (Risk's status=resolved&resolution=…).
        var resolution = Resolutions.Contains(Status) ? Status : null;
        Flags = await risk.ListFlagsAsync(new FlagQuery
        {
            Severity = Severity, RuleId = string.IsNullOrWhiteSpace(Rule) ? null : Rule.Trim(), Status = resolution is null ? Status : "resolved",
            Resolution = resolution, Overdue = Overdue,
            Escalated = Escalated ? true : null, SubjectId = string.IsNullOrWhiteSpace(SubjectId) ? null : SubjectId.Trim(), Country = Country, Sort = Sort, Page = Math.Max(1, PageNumber),
        }, cancellationToken);
        // htmx asks for the results alone when a filter changes; a plain request gets the whole page.
        return Request.Headers.ContainsKey("HX-Request") ? Partial("Flags/_Results", this) : Page();
    }

    /// <summary>The queue's address with the current filters and another page number.</summary>
    public string Link(int page) => Link(page, Sort);

    /// <summary>The queue's address with the current filters, sorted by <paramref name="sort"/>, from its first page.</summary>
    public string SortLink(string sort) => Link(1, sort == Sorts[0] ? null : sort);

    /// <summary>A column's sort: the order that clicking it gives (its own order, or the reverse when it is already sorted so).</summary>
    public (string Next, string? AriaSort) ColumnSort(string column)
    {
        var current = Sort ?? Sorts[0];
        var descending = "-" + column;
        return current == descending ? (column, "descending") : current == column ? (descending, "ascending") : (descending, null);
    }

    private string Link(int page, string? sort) => QueryLink(new Dictionary<string, string?>
    {
        ["severity"] = Severity, ["rule"] = Rule, ["status"] = Status, ["country"] = Country,
        ["overdue"] = Overdue ? "true" : null, ["escalated"] = Escalated ? "true" : null, ["subjectId"] = SubjectId, ["sort"] = sort,
        ["p"] = page.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    private static string QueryLink(Dictionary<string, string?> values) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/flags", values.Where(v => !string.IsNullOrEmpty(v.Value)).ToDictionary());
}
