using Traceability.Contracts.Provenance;
using Traceability.Data;
using Traceability.Hosting;
using Traceability.Provenance.Chain;
using Traceability.Provenance.Exporters;
using Traceability.Provenance.Features.GetShipment;
using Traceability.Provenance.Idempotency;

namespace Traceability.Provenance.Features.RecordShipment;

/// <summary>
/// Stores a shipment with its tiers, certificates and documents, its chain link and its
/// <see cref="ShipmentRecorded"/> event in one transaction. References (product, facilities) must be
/// the exporter's own; what they imply (HS code, commodity, countries) fills what the post left out.
/// </summary>
internal sealed class RecordShipmentHandler(Database database, HashChain chain, TimeProvider time)
{
    public const string RecordType = "shipment";

    public async Task<(ShipmentResponse? Shipment, ValidationErrors? Errors)> RecordAsync(
        HttpContext? http, Exporter exporter, ValidShipment shipment, CancellationToken cancellationToken)
    {
        // Ids and times are fixed before the transaction, so a retried transaction writes the same facts.
        var id = Guid.CreateVersion7();
        var eventId = Guid.CreateVersion7();
        var recordedAt = Canonical.Microseconds(time.GetUtcNow().UtcDateTime);
        return await database.InTransactionAsync(async data =>
        {
            var errors = new ValidationErrors();
            string? hsCode = shipment.HsCode, commodity = shipment.Commodity, origin = shipment.OriginCountry;
            if (shipment.ProductId is { } productId)
            {
                var product = await data.QuerySingleOrDefaultAsync<ProductRow>(RecordShipmentSql.ProductOfExporter, new { Id = productId, ExporterId = exporter.Id });
                if (errors.Require(product is not null, "productId", "None of your products has this id."))
                {
                    hsCode ??= product!.HsCode;
                    commodity ??= product!.Commodity;
                }
            }
            if (shipment.OriginFacilityId is { } facilityId)
            {
                var country = await data.QuerySingleOrDefaultAsync<string>(RecordShipmentSql.FacilityCountry, new { Id = facilityId, ExporterId = exporter.Id });
                if (errors.Require(country is not null, "originFacilityId", "None of your facilities has this id."))
                {
                    errors.Require(origin is null || origin == country, "originCountry", $"The origin facility is in {country}, not {origin}.");
                    origin ??= country;
                }
            }
            var tiers = new List<ShipmentTier>();
            foreach (var (tier, i) in (shipment.Tiers ?? []).Select((t, i) => (t, i)))
            {
                var country = await data.QuerySingleOrDefaultAsync<string>(RecordShipmentSql.FacilityCountry, new { Id = tier.FacilityId, ExporterId = exporter.Id });
                if (errors.Require(country is not null, $"tiers[{i}].facilityId", "None of your facilities has this id."))
                {
                    tiers.Add(new ShipmentTier(tier.FacilityId, country!, tier.Role, tier.From, tier.To));
                }
            }
            if (!errors.IsEmpty)
            {
                return (null, errors);
            }
            var response = new ShipmentResponse(id, hsCode!, commodity!, origin!, Canonical.Normalise(shipment.Quantity), shipment.Unit, shipment.ShipDate,
                recordedAt, shipment.ProductId, shipment.OriginFacilityId, tiers, shipment.Certificates ?? [], shipment.Buyer,
                shipment.DestinationCountry, shipment.Documents ?? []);
            await StoreAsync(data, exporter, response);
            await chain.AppendAsync(data, exporter.Id, RecordType, id.ToString(), Canonical.Json(response));
            await data.PublishAsync(Recorded(eventId, exporter, response));
            if (http is not null)
            {
                await IdempotentRequest.SaveAsync(data, http, StatusCodes.Status201Created, response, $"/api/v1/shipments/{id}");
            }
            return ((ShipmentResponse?)response, (ValidationErrors?)null);
        }, cancellationToken);
    }

    private static async Task StoreAsync(DataTransaction data, Exporter exporter, ShipmentResponse s)
    {
        await data.ExecuteAsync(RecordShipmentSql.InsertShipment, new
        {
            s.Id, ExporterId = exporter.Id, s.HsCode, s.Commodity, s.OriginCountry, s.Quantity, s.Unit, s.ShipDate, s.RecordedAt,
            s.ProductId, s.OriginFacilityId, s.Buyer, s.DestinationCountry,
        });
        foreach (var (tier, position) in s.Tiers.Select((t, i) => (t, i)))
        {
            await data.ExecuteAsync(RecordShipmentSql.InsertTier, new { ShipmentId = s.Id, Position = position, tier.FacilityId, tier.Country, tier.Role, tier.From, tier.To });
        }
        foreach (var (certificate, position) in s.Certificates.Select((c, i) => (c, i)))
        {
            await data.ExecuteAsync(RecordShipmentSql.InsertCertificate, new { ShipmentId = s.Id, Position = position, certificate.Scheme, certificate.Number });
        }
        foreach (var (document, position) in s.Documents.Select((d, i) => (d, i)))
        {
            await data.ExecuteAsync(RecordShipmentSql.InsertDocument, new { ShipmentId = s.Id, Position = position, document.Name, document.Sha256 });
        }
    }

    private static ShipmentRecorded Recorded(Guid eventId, Exporter exporter, ShipmentResponse s) => new()
    {
        EventId = eventId,
        TenantId = exporter.Id,
        OccurredAt = s.RecordedAt,
        ShipmentId = s.Id,
        HsCode = s.HsCode,
        Commodity = s.Commodity,
        OriginCountry = s.OriginCountry,
        Quantity = s.Quantity,
        Unit = s.Unit,
        ShipDate = s.ShipDate,
        ProductId = s.ProductId,
        OriginFacilityId = s.OriginFacilityId,
        Tiers = s.Tiers.Select(t => new SupplyTier { FacilityId = t.FacilityId, Country = t.Country, Role = t.Role, From = t.From, To = t.To }).ToList(),
        Certificates = s.Certificates.Select(c => new CertificateClaim { Scheme = c.Scheme, Number = c.Number }).ToList(),
        Buyer = s.Buyer,
        DestinationCountry = s.DestinationCountry,
    };

    private sealed record ProductRow
    {
        public string HsCode { get; init; } = "";
        public string Commodity { get; init; } = "";
    }
}
