using Microsoft.AspNetCore.Http.HttpResults;
using Traceability.Hosting;
using Traceability.Provenance.Exporters;
using Traceability.Hosting.Idempotency;

namespace Traceability.Provenance.Features.RecordShipment;

internal static class RecordShipmentEndpoint
{
    public static RouteGroupBuilder MapRecordShipment(this RouteGroupBuilder api)
    {
        api.MapPost("/shipments", RecordAsync)
            .WithIdempotencyKey()
            .WithName("RecordShipment")
            .WithSummary("Records a shipment with its supply-chain tiers, certificates and documents; Risk evaluates it from the ShipmentRecorded event.")
            .Accepts<RecordShipmentRequest>("application/json")
            .WithRequestExample("""
                {"hsCode":"1801.00","commodity":"Cocoa beans","originCountry":"GH","quantity":2500.5,"unit":"kg","shipDate":"2026-11-02",
                 "buyer":"Chocolaterie Example BV","destinationCountry":"NL","certificates":[{"scheme":"Fairtrade","number":"FLO-ID 12345"}],
                 "documents":[{"name":"bill-of-lading.pdf","sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}]}
                """);
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
