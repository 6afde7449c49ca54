using Microsoft.AspNetCore.Http.HttpResults;
using Traceability.Data;
using Traceability.Provenance.Exporters;
using Traceability.Provenance.Features.RecordShipment;

namespace Traceability.Provenance.Features.GetShipment;

internal static class GetShipmentEndpoint
{
    public static RouteGroupBuilder MapGetShipment(this RouteGroupBuilder api)
    {
        api.MapGet("/shipments/{id:guid}", GetAsync).WithName("GetShipment").WithSummary("One of the exporter's shipments.");
        return api;
    }

    private static async Task<Results<Ok<ShipmentResponse>, NotFound>> GetAsync(Guid id, HttpContext http, Database database, CancellationToken cancellationToken)
    {
        var row = await database.QuerySingleOrDefaultAsync<ShipmentRow>(GetShipmentSql.ShipmentOfExporter,
            new { Id = id, ExporterId = Exporter.From(http).Id }, cancellationToken);
        return row is null
            ? TypedResults.NotFound()
            : TypedResults.Ok(new ShipmentResponse(row.Id, row.HsCode, row.Commodity, row.OriginCountry, row.Quantity, row.Unit,
                row.ShipDate, DateTime.SpecifyKind(row.RecordedAt, DateTimeKind.Utc)));
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
    }
}
