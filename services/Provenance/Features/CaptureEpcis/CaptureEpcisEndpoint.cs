using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using Traceability.Hosting;
using Traceability.Provenance.Exporters;
using Traceability.Hosting.Idempotency;

namespace Traceability.Provenance.Features.CaptureEpcis;

/// <summary>
/// The EPCIS 2.0 capture interface: <c>POST /epcis/capture</c> (an EPCISDocument; 202 and a capture
/// job), <c>OPTIONS /epcis/capture</c> (the limits), <c>GET /epcis/capture/{id}</c> (the job), and
/// <c>POST /epcis/events</c> (one event; 201).
/// </summary>
internal static class CaptureEpcisEndpoint
{
    private const string ErrorBehaviourHeader = "GS1-Capture-Error-Behaviour";

    // One event with every field this service indexes, for the OpenAPI examples.
    private const string ExampleEvent = """
        {"type":"ObjectEvent","eventID":"urn:uuid:6f2c1e8a-4b1d-4c3e-9a7f-2d5e8b9c0a11","eventTime":"2026-11-02T09:00:00+01:00",
         "eventTimeZoneOffset":"+01:00","action":"OBSERVE","bizStep":"shipping","disposition":"in_transit",
         "epcList":["urn:epc:id:sgtin:0614141.107346.2017"],
         "quantityList":[{"epcClass":"urn:epc:class:lgtin:4012345.012345.998877","quantity":200.5,"uom":"KGM"}],
         "readPoint":{"id":"urn:epc:id:sgln:0614141.07346.1234"},"bizLocation":{"id":"urn:epc:id:sgln:0614141.07346.0"},
         "https://example.com/epcis/lot":"LOT-7"}
        """;

    public static RouteGroupBuilder MapCaptureEpcis(this RouteGroupBuilder epcis)
    {
        epcis.MapMethods("/capture", [HttpMethods.Options], (HttpContext http) =>
        {
            Advertise(http.Response);
            http.Response.Headers.Allow = "OPTIONS, POST";
            return Results.NoContent();
        }).WithName("EpcisCaptureOptions");
        epcis.MapPost("/capture", CaptureAsync).WithIdempotencyKey().WithMetadata(new RequestSizeLimitAttribute(EpcisCapture.FileSizeLimit))
            .WithRequestHeader(new RequestHeader(ErrorBehaviourHeader, "rollback (the default): any invalid event stores nothing; proceed: the valid events are stored.",
                Values: ["rollback", "proceed"])).WithName("EpcisCapture").WithSummary("Captures an EPCISDocument (JSON-LD); 202 with the capture job.")
            .Accepts<JsonElement>("application/ld+json", "application/json").WithRequestExample($$$"""
                {"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
                 "type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-11-02T10:00:00Z","epcisBody":{"eventList":[{{{ExampleEvent}}}]}}
                """);
        epcis.MapGet("/capture/{captureId:guid}", async (Guid captureId, HttpContext http, EpcisCapture capture, CancellationToken ct) =>
            await capture.FindJobAsync(Exporter.From(http).Id, captureId, ct) is { } job ? Results.Ok(job) : Results.NotFound()).WithName("EpcisCaptureJob");
        epcis.MapPost("/events", CaptureOneAsync).WithMetadata(new RequestSizeLimitAttribute(EpcisCapture.FileSizeLimit)).WithName("EpcisCaptureEvent").WithSummary("Captures one EPCIS event; 201.")
            .Accepts<JsonElement>("application/ld+json", "application/json").WithRequestExample($$"""
                {"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],{{ExampleEvent[1..]}}
                """);
        return epcis;
    }

    /// <summary>The headers every EPCIS answer carries.</summary>
    public static void Advertise(HttpResponse response)
    {
        response.Headers["GS1-EPCIS-Version"] = "2.0.0";
        response.Headers["GS1-CBV-Version"] = "2.0.0";
        response.Headers["GS1-EPCIS-Capture-Limit"] = EpcisCapture.CaptureLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["GS1-EPCIS-Capture-File-Size-Limit"] = EpcisCapture.FileSizeLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<IResult> CaptureAsync(HttpContext http, EpcisValidator validator, EpcisCapture capture, CancellationToken cancellationToken)
    {
        Advertise(http.Response);
        var behaviour = http.Request.Headers[ErrorBehaviourHeader].ToString() is { Length: > 0 } given ? given.ToLowerInvariant() : "rollback";
        if (behaviour is not ("rollback" or "proceed"))
        {
            return Invalid([new EpcisError(null, ErrorBehaviourHeader, $"{ErrorBehaviourHeader} is 'rollback' (the default) or 'proceed'.")]);
        }
        var (document, failure) = await ReadJsonAsync(http, cancellationToken);
        if (failure is not null)
        {
            return failure;
        }
        using (document)
        {
            var root = document!.RootElement;
            if (EpcisValidator.Events(root) is { } list && list.GetArrayLength() > EpcisCapture.CaptureLimit)
            {
                return Problem(StatusCodes.Status413PayloadTooLarge,
                    $"The document has {list.GetArrayLength()} events; GS1-EPCIS-Capture-Limit is {EpcisCapture.CaptureLimit}.");
            }
            var errors = validator.ValidateDocument(root);
            var events = EpcisValidator.Events(root) is { } eventList ? eventList.EnumerateArray().ToList() : [];
            if (errors.Any(e => e.EventIndex is null) || (behaviour == "rollback" && errors.Count > 0) || events.Count == 0)
            {
                return Invalid(errors.Count > 0 ? errors : [new EpcisError(null, "epcisBody.eventList", "The document has no events.")]);
            }
            var invalid = errors.Select(e => e.EventIndex!.Value).ToHashSet();
            var valid = events.Where((_, i) => !invalid.Contains(i)).ToList();
            var (job, _) = await capture.StoreAsync(Exporter.From(http), valid, root.TryGetProperty("@context", out var context) ? context : null,
                behaviour, events.Count, errors, cancellationToken, http);
            http.Response.Headers.Location = $"/epcis/capture/{job.CaptureId}";
            return Results.Json(job, statusCode: StatusCodes.Status202Accepted);
        }
    }

    private static async Task<IResult> CaptureOneAsync(HttpContext http, EpcisValidator validator, EpcisCapture capture, CancellationToken cancellationToken)
    {
        Advertise(http.Response);
        var (document, failure) = await ReadJsonAsync(http, cancellationToken);
        if (failure is not null)
        {
            return failure;
        }
        using (document)
        {
            var errors = validator.ValidateEvent(document!.RootElement);
            if (errors.Count > 0)
            {
                return Invalid(errors.Select(e => e with { EventIndex = null }).ToList());
            }
            var (job, events) = await capture.StoreAsync(Exporter.From(http), [document.RootElement], null, "rollback", 1, [], cancellationToken);
            var eventId = events[0].EventId;
            http.Response.Headers.Location = $"/epcis/events/{Uri.EscapeDataString(eventId)}";
            // A new event is answered as just stored; only one captured before is read back.
            var json = job.StoredCount == 1 ? events[0].Json : await capture.DocumentAsync(Exporter.From(http).Id, eventId, cancellationToken);
            using var stored = JsonDocument.Parse(json ?? "{}");
            return Results.Json(stored.RootElement.Clone(), statusCode: job.StoredCount == 1 ? StatusCodes.Status201Created : StatusCodes.Status200OK,
                contentType: "application/ld+json");
        }
    }

    private static async Task<(JsonDocument? Document, IResult? Failure)> ReadJsonAsync(HttpContext http, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var mediaType)
            || !(mediaType.MediaType.Equals("application/ld+json", StringComparison.OrdinalIgnoreCase) || mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)))
        {
            return (null, Problem(StatusCodes.Status415UnsupportedMediaType, "EPCIS documents are application/ld+json (or application/json)."));
        }
        if (http.Request.ContentLength > EpcisCapture.FileSizeLimit)
        {
            return (null, TooLarge());
        }
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = EpcisCapture.FileSizeLimit;
        }
        JsonDocument document;
        try
        {
            // Strict reading: a member named twice is refused, not "last one wins".
            document = await StrictJson.ParseDocumentAsync(http.Request.Body, cancellationToken);
        }
        catch (BadHttpRequestException bad) when (bad.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }
        catch (JsonException json)
        {
            var path = string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "$" : json.Path.TrimStart('$', '.');
            return (null, Invalid([new EpcisError(null, path, $"Not valid JSON: {json.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0]}")]));
        }
        // Undecodable text (invalid UTF-8, an escaped lone surrogate) and NUL, control or bidi override
        // characters are refused where they are, before any code reads the strings.
        if (StrictJson.FindBrokenText(document.RootElement) is { } broken)
        {
            document.Dispose();
            return (null, Invalid([new EpcisError(null, broken.Path, broken.Problem)]));
        }
        return (document, null);
    }

    private static IResult TooLarge() =>
        Problem(StatusCodes.Status413PayloadTooLarge, $"The document is larger than GS1-EPCIS-Capture-File-Size-Limit ({EpcisCapture.FileSizeLimit} bytes).");

    private static IResult Invalid(IReadOnlyList<EpcisError> errors) =>
        Results.ValidationProblem(
            errors.GroupBy(e => e.EventIndex is { } i ? $"epcisBody.eventList[{i}]{(e.Field == "$" ? "" : "." + e.Field)}" : e.Field)
                .ToDictionary(g => g.Key, g => g.Select(e => e.Message).Distinct().ToArray()),
            title: "The EPCIS document is not valid (ValidationException); nothing was stored.",
            type: "epcisException:ValidationException");

    private static IResult Problem(int status, string title) => Results.Problem(statusCode: status, title: title);
}
