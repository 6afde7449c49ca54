using Microsoft.AspNetCore.Http.HttpResults;
using Traceability.Data;
using Traceability.Provenance.Chain;
using Traceability.Provenance.Exporters;
using Traceability.Provenance.Features.RecordShipment;

namespace Traceability.Provenance.Features.GetShipment;

internal static class GetShipmentEndpoint
{
    public static RouteGroupBuilder MapGetShipment(this RouteGroupBuilder api)
    {
        api.MapGet("/shipments/{id:guid}", GetAsync).WithName("GetShipment").WithSummary("One of the exporter's shipments, with its tiers, certificates and documents.");
        return api;
    }

    private static async Task<Results<Ok<ShipmentResponse>, NotFound>> GetAsync(Guid id, HttpContext http, Database database, CancellationToken cancellationToken) =>
        await FindAsync(database, Exporter.From(http).Id, id, cancellationToken) is { } shipment ? TypedResults.Ok(shipment) : TypedResults.NotFound();

    /// <summary>A shipment of the exporter as the API answers it, or null.</summary>
    public static async Task<ShipmentResponse?> FindAsync(Database database, string exporterId, Guid id, CancellationToken cancellationToken)
    {
        var row = await database.QuerySingleOrDefaultAsync<ShipmentRow>(GetShipmentSql.ShipmentOfExporter, new { Id = id, ExporterId = exporterId }, cancellationToken);
        if (row is null)
        {
            return null;
        }
        var tiers = await database.QueryAsync<TierRow>(GetShipmentSql.Tiers, new { Id = id }, cancellationToken);
        var certificates = await database.QueryAsync<ShipmentCertificate>(GetShipmentSql.Certificates, new { Id = id }, cancellationToken);
        var documents = await database.QueryAsync<ShipmentDocument>(GetShipmentSql.Documents, new { Id = id }, cancellationToken);
        return new ShipmentResponse(row.Id, row.HsCode, row.Commodity, row.OriginCountry, Canonical.Normalise(row.Quantity), row.Unit, row.ShipDate,
            DateTime.SpecifyKind(row.RecordedAt, DateTimeKind.Utc), row.ProductId, row.OriginFacilityId,
            tiers.Select(t => new ShipmentTier(t.FacilityId, t.Country, t.Role, t.PeriodFrom, t.PeriodTo)).ToList(), certificates, row.Buyer, row.DestinationCountry, documents);
    }

    public static async Task<string?> CanonicalAsync(Database database, string exporterId, string chainId, CancellationToken cancellationToken) =>
        Guid.TryParse(chainId, out var id) && await FindAsync(database, exporterId, id, cancellationToken) is { } shipment ? Canonical.Json(shipment) : null;

    private sealed record TierRow
    {
        public Guid FacilityId { get; init; }
        public string Country { get; init; } = "";
        public string Role { get; init; } = "";
        public DateOnly? PeriodFrom { get; init; }
        public DateOnly? PeriodTo { get; init; }
    }

    private sealed record ShipmentRow
    {
        public Guid Id { get; init; }
        public string HsCode { get; init; } = "";
        public string Commodity { get; init; } = "";
        public string OriginCountry { get; init; } = "";
        public decimal Quantity { get; init; }
        public string Unit { get; init; } = "";
        public DateOnly ShipDate { get; init; }
        public DateTime RecordedAt { get; init; }
        public Guid? ProductId { get; init; }
        public Guid? OriginFacilityId { get; init; }
        public string? Buyer { get; init; }
        public string? DestinationCountry { get; init; }
    }
}
