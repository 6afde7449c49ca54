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
    public static async Task<ShipmentResponse?> FindAsync(Database database, string exporterId, Guid id, CancellationToken cancellationToken) =>
        (await FindManyAsync(database, exporterId, [id], cancellationToken)).GetValueOrDefault(id);

    /// <summary>Shipments of the exporter as the API answers them, by id (missing ones left out): five queries however many.</summary>
    public static async Task<IReadOnlyDictionary<Guid, ShipmentResponse>> FindManyAsync(
        Database database, string exporterId, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        var found = new Dictionary<Guid, ShipmentResponse>();
        if (ids.Count == 0)
        {
            return found;
        }
        var dialect = database.Dialect;
        var rows = await database.QueryAsync<ShipmentRow>(GetShipmentSql.ShipmentsOfExporter(dialect), new { ExporterId = exporterId, Ids = ids.ToArray() }, cancellationToken);
        if (rows.Count == 0)
        {
            return found;
        }
        // Only the exporter's own shipments: children are read for the ids that matched, not for every id asked for.
        var own = new { Ids = rows.Select(r => r.Id).ToArray() };
        var tiers = (await database.QueryAsync<TierRow>(GetShipmentSql.Tiers(dialect), own, cancellationToken)).ToLookup(t => t.ShipmentId);
        var certificates = (await database.QueryAsync<CertificateRow>(GetShipmentSql.Certificates(dialect), own, cancellationToken)).ToLookup(c => c.ShipmentId);
        var documents = (await database.QueryAsync<DocumentRow>(GetShipmentSql.Documents(dialect), own, cancellationToken)).ToLookup(d => d.ShipmentId);
        var epcs = (await database.QueryAsync<EpcRow>(GetShipmentSql.Epcs(dialect), own, cancellationToken)).ToLookup(e => e.ShipmentId, e => e.Epc);
        foreach (var row in rows)
        {
            found[row.Id] = new ShipmentResponse(row.Id, row.HsCode, row.Commodity, row.OriginCountry, Canonical.Normalise(row.Quantity), row.Unit, row.ShipDate,
                DateTime.SpecifyKind(row.RecordedAt, DateTimeKind.Utc), row.ProductId, row.OriginFacilityId,
                tiers[row.Id].Select(t => new ShipmentTier(t.FacilityId, t.Country, t.Role, t.PeriodFrom, t.PeriodTo)).ToList(),
                certificates[row.Id].Select(c => new ShipmentCertificate(c.Scheme, c.Number)).ToList(), row.Buyer, row.DestinationCountry,
                documents[row.Id].Select(d => new ShipmentDocument(d.Name, d.Sha256)).ToList(),
                epcs[row.Id].Any() ? epcs[row.Id].ToList() : null);
        }
        return found;
    }

    /// <summary>Shipments as their chain links hashed them, by chain record id (hash-chain verification reads a page at once).</summary>
    public static async Task<IReadOnlyDictionary<string, string>> CanonicalAsync(
        Database database, string exporterId, IReadOnlyList<string> chainIds, CancellationToken cancellationToken)
    {
        var ids = HashChain.GuidIds(chainIds);
        var shipments = await FindManyAsync(database, exporterId, ids.Keys, cancellationToken);
        return shipments.ToDictionary(s => ids[s.Key], s => Canonical.Json(s.Value), StringComparer.Ordinal);
    }

    private sealed record CertificateRow(Guid ShipmentId, string Scheme, string Number);

    private sealed record DocumentRow(Guid ShipmentId, string Name, string Sha256);

    private sealed record EpcRow(Guid ShipmentId, string Epc);

    private sealed record TierRow
    {
        public Guid ShipmentId { get; init; }
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
