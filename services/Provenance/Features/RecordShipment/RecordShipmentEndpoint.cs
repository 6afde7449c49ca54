using Microsoft.AspNetCore.Http.HttpResults;
using Traceability.Provenance.Exporters;
using Traceability.Provenance.Idempotency;

namespace Traceability.Provenance.Features.RecordShipment;

internal static class RecordShipmentEndpoint
{
    public static RouteGroupBuilder MapRecordShipment(this RouteGroupBuilder api)
    {
        api.MapPost("/shipments", RecordAsync)
            .AddEndpointFilter<IdempotentRequest>()
            .WithName("RecordShipment")
            .WithSummary("Records a shipment with its supply-chain tiers, certificates and documents; Risk evaluates it from the ShipmentRecorded event.")
            .Accepts<RecordShipmentRequest>("application/json");
        return api;
    }

    private static async Task<Results<Created<ShipmentResponse>, ValidationProblem>> RecordAsync(
        RecordShipmentRequest? request, HttpContext http, RecordShipmentHandler handler, TimeProvider time, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return new Hosting.ValidationErrors().Add("$", "A JSON shipment is required in the body.").ToProblem();
        }
        if (!request.TryValidate(DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime), out var shipment, out var errors))
        {
            return errors.ToProblem();
        }
        var (recorded, referenceErrors) = await handler.RecordAsync(http, Exporter.From(http), shipment, cancellationToken);
        return recorded is null
            ? referenceErrors!.ToProblem()
            : TypedResults.Created($"/api/v1/shipments/{recorded.Id}", recorded);
    }
}
