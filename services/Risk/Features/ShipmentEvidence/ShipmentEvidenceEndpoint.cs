using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Traceability.Data;
using Traceability.Hosting;
using Traceability.Risk.Flags;

namespace Traceability.Risk.Features.ShipmentEvidence;

/// <summary>A facility a shipment named, in the role it named it (origin, or a tier's role), as Risk knows the facility.</summary>
public sealed record ShipmentFacility(string Role, Guid FacilityId, string? Name, string? Country, string? Gln, string? OshId);

/// <summary>A certificate a shipment claimed, with its status on the ship date as Audits' events told Risk (null: never heard of).</summary>
public sealed record ShipmentCertificate(string Scheme, string Number, string? StatusOnShipDate);

/// <summary>
/// A shipment as the evidence of a flag: what Risk holds of it (commodity, HS code, ship date, the facilities it named and
/// the certificates it claimed). Never the exporter, the buyer or the documents: those stay with Provenance and the exporter.
/// </summary>
public sealed record ShipmentEvidenceResponse(Guid Id, string? Commodity, string? HsCode, DateOnly? ShipDate,
    IReadOnlyList<ShipmentFacility> Facilities, IReadOnlyList<ShipmentCertificate> Certificates);

internal static class ShipmentEvidenceEndpoint
{
    public static RouteGroupBuilder MapShipmentEvidence(this RouteGroupBuilder api)
    {
        api.MapGet("/shipments/{id:guid}", GetAsync).WithName("GetShipmentEvidence")
            .WithSummary("A shipment as Risk holds it (facilities named with their roles, certificates claimed and their status on the ship date), to whoever may see a flag about it (admin: any shipment Risk knows); 404 otherwise.")
            .RequireRoles(Roles.Auditor, Roles.Caseworker, Roles.Admin);
        return api;
    }

    private static async Task<Results<Ok<ShipmentEvidenceResponse>, NotFound>> GetAsync(
        Guid id, ClaimsPrincipal user, Database database, TimeProvider time, CancellationToken cancellationToken)
    {
        var viewer = Viewer.Of(user);
        if (viewer.Visibility == Visibility.None)
        {
            return TypedResults.NotFound();
        }
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var seen = await database.QuerySingleOrDefaultAsync<int>(ShipmentEvidenceParts.SeenBy(viewer.Visibility),
            new { Id = id, SubjectId = id.ToString(), viewer.AuditorId, Today = today }, cancellationToken);
        if (seen == 0)
        {
            return TypedResults.NotFound();
        }
        var facilities = await database.QueryAsync<ShipmentFacilityRow>(ShipmentEvidenceSql.Facilities, new { Id = id }, cancellationToken);
        var certificates = await database.QueryAsync<ShipmentCertificate>(ShipmentEvidenceSql.Certificates, new { Id = id }, cancellationToken);
        var first = facilities.FirstOrDefault();
        return TypedResults.Ok(new ShipmentEvidenceResponse(id, first?.Commodity, first?.HsCode, first?.ShipDate,
            facilities.Select(f => new ShipmentFacility(f.Role, f.FacilityId, f.Name, f.Country, f.Gln?.Trim(), f.OshId)).ToList(), certificates));
    }
}

/// <summary>A facility row of a shipment, with what the shipment said of itself.</summary>
internal sealed record ShipmentFacilityRow
{
    public string Role { get; init; } = "";
    public string HsCode { get; init; } = "";
    public string Commodity { get; init; } = "";
    public DateOnly ShipDate { get; init; }
    public Guid FacilityId { get; init; }
    public string? Name { get; init; }
    public string? Country { get; init; }
    public string? Gln { get; init; }
    public string? OshId { get; init; }
}
