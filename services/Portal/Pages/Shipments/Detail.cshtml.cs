using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Traceability.Portal.Apis;

namespace Traceability.Portal.Pages.Shipments;

/// <summary>
/// A shipment as a flag's evidence: what Risk holds of it (commodity, the facilities it named with their roles, the
/// certificates it claimed), shown to whoever may see a flag about it. The exporter's own record stays with Provenance,
/// which answers only the exporter.
/// </summary>
public sealed class DetailModel(RiskApi risk) : PageModel
{
    public ApiAnswer<ShipmentEvidence>? Shipment { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        Shipment = await risk.GetShipmentAsync(id, cancellationToken);
        Response.StatusCode = Shipment.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status200OK;
        return Page();
    }
}
