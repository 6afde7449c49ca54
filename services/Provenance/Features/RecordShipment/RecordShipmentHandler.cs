using Traceability.Contracts.Provenance;
using Traceability.Data;
using Traceability.Hosting;
using Traceability.Provenance.Chain;
using Traceability.Provenance.Exporters;
using Traceability.Provenance.Features.GetShipment;
using Traceability.Hosting.Idempotency;

namespace Traceability.Provenance.Features.RecordShipment;

/// <summary>
/// Stores a shipment with its tiers, certificates and documents, its chain link and its
/// <see cref="ShipmentRecorded"/> event in one transaction. References (product, facilities) must be
/// the exporter's own; what they imply (HS code, commodity, countries) fills what the post left out.
/// </summary>
internal sealed class RecordShipmentHandler(Database database, HashChain chain, TimeProvider time)
{
    public const string RecordType = "shipment";

    private readonly string _facilityCountries = RecordShipmentSql.FacilityCountries(database.Dialect);

    public async Task<(ShipmentResponse? Shipment, ValidationErrors? Errors)> RecordAsync(
        HttpContext? http, Exporter exporter, ValidShipment shipment, CancellationToken cancellationToken)
    {
        // Ids and times are fixed before the transaction, so a retried transaction writes the same facts.
        var id = Guid.CreateVersion7();
        var eventId = Guid.CreateVersion7();
        var recordedAt = Canonical.Microseconds(time.GetUtcNow().UtcDateTime);
        // Shared with the shipments posted at the same moment (group commit): one commit serves them all. The exporter's chain
        // head is locked first, with the other exporters' in the transaction, in order.
        return await database.InSharedTransactionAsync([chain.Head(exporter.Id)], async data =>
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
            // The origin and every tier's facility in one query.
            var tierRequests = shipment.Tiers ?? [];
            var facilityIds = tierRequests.Select(t => t.FacilityId).Concat(shipment.OriginFacilityId is { } o ? [o] : []).Distinct().ToList();
            var countries = facilityIds.Count == 0
                ? new Dictionary<Guid, string>()
                : (await data.QueryAsync<FacilityRow>(_facilityCountries, new { Ids = facilityIds, ExporterId = exporter.Id })).ToDictionary(f => f.Id, f => f.Country);
            if (shipment.OriginFacilityId is { } facilityId)
            {
                var country = countries.GetValueOrDefault(facilityId);
                if (errors.Require(country is not null, "originFacilityId", "None of your facilities has this id."))
                {
                    errors.Require(origin is null || origin == country, "originCountry", $"The origin facility is in {country}, not {origin}.");
                    origin ??= country;
                }
            }
            var tiers = new List<ShipmentTier>();
            foreach (var (tier, i) in tierRequests.Select((t, i) => (t, i)))
            {
                var country = countries.GetValueOrDefault(tier.FacilityId);
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
                shipment.DestinationCountry, shipment.Documents ?? [], shipment.Epcs);
            // Held writes: the shipment, its rows, chain link and outbox row reach the database together.
            Store(data, exporter, response);
            await chain.AppendAsync(data, exporter.Id, RecordType, id.ToString(), Canonical.Json(response));
            await data.PublishAsync(Recorded(eventId, exporter, response));
            if (http is not null)
            {
                IdempotentRequest.Save(data, http, StatusCodes.Status201Created, response, $"/api/v1/shipments/{id}");
            }
            return ((ShipmentResponse?)response, (ValidationErrors?)null);
        }, cancellationToken);
    }

    private static void Store(DataTransaction data, Exporter exporter, ShipmentResponse s)
    {
        data.Defer(RecordShipmentSql.InsertShipment, new
        {
            s.Id, ExporterId = exporter.Id, s.HsCode, s.Commodity, s.OriginCountry, s.Quantity, s.Unit, s.ShipDate, s.RecordedAt,
            s.ProductId, s.OriginFacilityId, s.Buyer, s.DestinationCountry,
        });
        foreach (var (tier, position) in s.Tiers.Select((t, i) => (t, i)))
        {
            data.Defer(RecordShipmentSql.InsertTier, new { ShipmentId = s.Id, Position = position, tier.FacilityId, tier.Country, tier.Role, tier.From, tier.To });
        }
        foreach (var (certificate, position) in s.Certificates.Select((c, i) => (c, i)))
        {
            data.Defer(RecordShipmentSql.InsertCertificate, new { ShipmentId = s.Id, Position = position, certificate.Scheme, certificate.Number });
        }
        foreach (var (document, position) in s.Documents.Select((d, i) => (d, i)))
        {
            data.Defer(RecordShipmentSql.InsertDocument, new { ShipmentId = s.Id, Position = position, document.Name, document.Sha256 });
        }
        foreach (var (epc, position) in (s.Epcs ?? []).Select((e, i) => (e, i)))
        {
            data.Defer(RecordShipmentSql.InsertEpc, new { ShipmentId = s.Id, Position = position, Epc = epc });
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
        Epcs = s.Epcs ?? [],
    };

    private sealed record FacilityRow
    {
        public Guid Id { get; init; }
        public string Country { get; init; } = "";
    }

    private sealed record ProductRow
    {
        public string HsCode { get; init; } = "";
        public string Commodity { get; init; } = "";
    }
}
