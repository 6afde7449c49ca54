using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Traceability.Portal.Apis;

namespace Traceability.Portal.Pages.Admin;

/// <summary>
/// Exporters and their API keys (platform admins, through Provenance's admin API with the admin's own token): onboard
/// an exporter; list an exporter's keys (prefix and dates, never the key); issue, rotate and revoke. A new key is shown
/// in the answer to that one post only, never stored here and never cached.
/// </summary>
public sealed class ExportersModel(ProvenanceApi provenance) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? Exporter { get; set; }
    [BindProperty] public string? NewId { get; set; }
    [BindProperty] public string? NewName { get; set; }
    [BindProperty] public Guid KeyId { get; set; }

    public ApiAnswer<List<Exporter>>? Exporters { get; private set; }
    public ApiAnswer<List<ExporterApiKey>>? Keys { get; private set; }
    public IssuedExporterKey? Issued { get; private set; }
    public ApiProblem? Refusal { get; private set; }
    [TempData] public string? Done { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Exporters = await provenance.ListExportersAsync(cancellationToken);
        if (!string.IsNullOrWhiteSpace(Exporter))
        {
            Keys = await provenance.ListKeysAsync(Exporter, cancellationToken);
        }
    }

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        var answer = await provenance.CreateExporterAsync(NewId, NewName, cancellationToken);
        if (answer.Value is { } created)
        {
            Done = "created";
            return RedirectToPage(new { exporter = created.Id });
        }
        return await ShowAsync(answer.Problem, cancellationToken);
    }

    public async Task<IActionResult> OnPostIssueAsync(CancellationToken cancellationToken) =>
        await KeyAnswerAsync(await provenance.IssueKeyAsync(Exporter ?? "", cancellationToken), cancellationToken);

    public async Task<IActionResult> OnPostRotateAsync(CancellationToken cancellationToken) =>
        await KeyAnswerAsync(await provenance.RotateKeyAsync(Exporter ?? "", KeyId, cancellationToken), cancellationToken);

    public async Task<IActionResult> OnPostRevokeAsync(CancellationToken cancellationToken)
    {
        var answer = await provenance.RevokeKeyAsync(Exporter ?? "", KeyId, cancellationToken);
        if (answer.Ok)
        {
            Done = "revoked";
            return RedirectToPage(new { exporter = Exporter });
        }
        return await ShowAsync(answer.Problem, cancellationToken);
    }

    // The new key is in this answer only: shown once, not for any cache, not put in TempData (a cookie).
    private async Task<IActionResult> KeyAnswerAsync(ApiAnswer<IssuedExporterKey> answer, CancellationToken cancellationToken)
    {
        Issued = answer.Value;
        Response.Headers.CacheControl = "no-store";
        return await ShowAsync(answer.Problem, cancellationToken);
    }

    private async Task<IActionResult> ShowAsync(ApiProblem? refusal, CancellationToken cancellationToken)
    {
        Refusal = refusal;
        await OnGetAsync(cancellationToken);
        return Page();
    }
}
