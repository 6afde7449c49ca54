using Microsoft.AspNetCore.Http.HttpResults;
using Traceability.Hosting;
using Traceability.Provenance.Exporters;
using Traceability.Hosting.Idempotency;

namespace Traceability.Provenance.Features.RegisterFacility;

/// <summary>One page of an exporter's records.</summary>
public sealed record RecordPage<T>(IReadOnlyList<T> Items, int Page, int PageSize, long Total);

internal static class RegisterFacilityEndpoint
{
    private const string Example = """
        {"gln":"6291041500213","oshId":"GH2024001AB12CD","name":"Ahafo Cocoa Cooperative","country":"GH","region":"Ahafo",
         "latitude":6.8,"longitude":-2.5167,"type":"cooperative"}
        """;

    public static RouteGroupBuilder MapFacilities(this RouteGroupBuilder api)
    {
        api.MapPost("/facilities", RegisterAsync).WithIdempotencyKey().WithName("RegisterFacility")
            .WithSummary("Registers a facility (GLN and/or Open Supply Hub id).").WithRequestExample(Example);
        api.MapPut("/facilities/{id:guid}", UpdateAsync).WithName("UpdateFacility").WithSummary("Replaces a facility's details; its revision goes up by one.")
            .WithRequestExample(Example);
        api.MapGet("/facilities/{id:guid}", GetAsync).WithName("GetFacility");
        api.MapGet("/facilities", ListAsync).WithName("ListFacilities");
        return api;
    }

    private static async Task<Results<Created<FacilityResponse>, ValidationProblem>> RegisterAsync(
        FacilityRequest? request, HttpContext http, Facilities facilities, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return new ValidationErrors().Add("$", "A JSON facility is required in the body.").ToProblem();
        }
        if (!request.TryValidate(out var facility, out var errors))
        {
            return errors.ToProblem();
        }
        var (_, registered) = await facilities.RegisterAsync(http, Exporter.From(http), facility, cancellationToken);
        return TypedResults.Created($"/api/v1/facilities/{registered!.Id}", registered);
    }

    private static async Task<Results<Ok<FacilityResponse>, ValidationProblem, NotFound, ProblemHttpResult>> UpdateAsync(
        Guid id, FacilityRequest? request, HttpContext http, Facilities facilities, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return new ValidationErrors().Add("$", "A JSON facility is required in the body.").ToProblem();
        }
        if (!request.TryValidate(out var facility, out var errors))
        {
            return errors.ToProblem();
        }
        var (outcome, updated) = await facilities.UpdateAsync(Exporter.From(http), id, facility, cancellationToken);
        return outcome switch
        {
            Facilities.Outcome.Done => TypedResults.Ok(updated!),
            Facilities.Outcome.NotFound => TypedResults.NotFound(),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The facility was changed at the same time; read it again and retry."),
        };
    }

    private static async Task<Results<Ok<FacilityResponse>, NotFound>> GetAsync(Guid id, HttpContext http, Facilities facilities, CancellationToken cancellationToken) =>
        await facilities.FindAsync(Exporter.From(http).Id, id, cancellationToken) is { } facility ? TypedResults.Ok(facility) : TypedResults.NotFound();

    private static async Task<Results<Ok<RecordPage<FacilityResponse>>, ValidationProblem>> ListAsync(
        HttpContext http, Traceability.Data.Database database, CancellationToken cancellationToken, string? country = null, int page = 1, int pageSize = 50)
    {
        var errors = new ValidationErrors();
        errors.Require(country is null || CountryCodes.IsAssigned(country), "country", "The country is an ISO 3166-1 alpha-2 code.");
        errors.RequirePage(page, pageSize);
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }
        var filter = new { ExporterId = Exporter.From(http).Id, Country = country, Offset = (page - 1) * pageSize, PageSize = pageSize };
        var rows = await database.QueryAsync<FacilityResponse>(RegisterFacilitySql.FacilitiesOfExporter, filter, cancellationToken);
        var total = (await database.QueryAsync<long>(RegisterFacilitySql.CountOfExporter, filter, cancellationToken))[0];
        return TypedResults.Ok(new RecordPage<FacilityResponse>(rows.Select(Facilities.Normalised).ToList(), page, pageSize, total));
    }
}
