using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Traceability.Data;
using Traceability.Hosting;
using Traceability.Provenance.Exporters;

namespace Traceability.Provenance.Features.CaptureEpcis;

/// <summary>
/// EPCIS 2.0 queries over the exporter's own events: <c>GET /epcis/events</c> with eventType,
/// GE_eventTime/LT_eventTime, EQ_bizStep, MATCH_epc (exact or with a trailing *), EQ_bizLocation,
/// EQ_readPoint, perPage and nextPageToken; and <c>GET /epcis/events/{eventID}</c>.
/// </summary>
internal static class QueryEpcisEndpoint
{
    // Within what every engine and parameter type holds (SQL Server's datetime starts in 1753); capture
    // refuses events outside, so open ends here find every stored event.
    private static readonly DateTime Earliest = EpcisValidator.EarliestEventTime;
    private static readonly DateTime Latest = EpcisValidator.LatestEventTime;

    private static readonly string[] EventTypes = ["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent"];

    public static RouteGroupBuilder MapQueryEpcis(this RouteGroupBuilder epcis)
    {
        epcis.MapGet("/events", QueryAsync).WithName("EpcisQueryEvents");
        epcis.MapGet("/events/{**eventId}", async (string eventId, HttpContext http, EpcisCapture capture, CancellationToken ct) =>
        {
            CaptureEpcisEndpoint.Advertise(http.Response);
            return await capture.DocumentAsync(Exporter.From(http).Id, Uri.UnescapeDataString(eventId), ct) is { } document
                ? Results.Text(document, "application/ld+json", Encoding.UTF8)
                : Results.NotFound();
        }).WithName("EpcisGetEvent");
        return epcis;
    }

    // The parameters this query interface understands; GS1's query interface answers any other with
    // a QueryParameterException (EPCIS 2.0 §8.2.7.1), so an unknown or misspelt one is refused, not ignored.
    private static readonly HashSet<string> Parameters = new(StringComparer.Ordinal)
    {
        "eventType", "GE_eventTime", "LT_eventTime", "EQ_bizStep", "MATCH_epc", "EQ_bizLocation", "EQ_readPoint", "perPage", "nextPageToken",
    };

    private static async Task<IResult> QueryAsync(
        HttpContext http, Database database, CancellationToken cancellationToken,
        [FromQuery] string? eventType = null,
        [FromQuery(Name = "GE_eventTime")] string? geEventTime = null,
        [FromQuery(Name = "LT_eventTime")] string? ltEventTime = null,
        [FromQuery(Name = "EQ_bizStep")] string? eqBizStep = null,
        [FromQuery(Name = "MATCH_epc")] string? matchEpc = null,
        [FromQuery(Name = "EQ_bizLocation")] string? eqBizLocation = null,
        [FromQuery(Name = "EQ_readPoint")] string? eqReadPoint = null,
        [FromQuery] string? perPage = null,
        [FromQuery] string? nextPageToken = null)
    {
        CaptureEpcisEndpoint.Advertise(http.Response);
        var query = http.Request.Query;
        var errors = new ValidationErrors();
        foreach (var unknown in query.Keys.Where(k => !Parameters.Contains(k)))
        {
            errors.Add(unknown, $"Not a query parameter of this interface (QueryParameterException); use: {string.Join(", ", Parameters)}.");
        }
        foreach (var repeated in query.Where(q => Parameters.Contains(q.Key) && q.Value.Count > 1))
        {
            errors.Add(repeated.Key, "Give this parameter once.");
        }
        static string? Given(string? value) => string.IsNullOrEmpty(value) ? null : value;
        string? Text(string name, string? value)
        {
            // A filter longer than its column can match nothing stored: refused rather than silently empty.
            if (Given(value) is { Length: > EpcisValidator.IdentifierLimit })
            {
                errors.Add(name, $"At most {EpcisValidator.IdentifierLimit} characters.");
                return null;
            }
            return Given(value);
        }
        DateTime? Time(string name, string? text)
        {
            if (Given(text) is null)
            {
                return null;
            }
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
            {
                return value.UtcDateTime < Earliest ? Earliest : value.UtcDateTime > Latest ? Latest : value.UtcDateTime;
            }
            errors.Add(name, "An ISO 8601 date-time with offset, e.g. 2026-11-01T00:00:00Z.");
            return null;
        }
        eventType = Given(eventType);
        errors.Require(eventType is null || EventTypes.Contains(eventType), "eventType", $"One of: {string.Join(", ", EventTypes)}.");
        var ge = Time("GE_eventTime", geEventTime);
        var lt = Time("LT_eventTime", ltEventTime);
        var pageSize = 30;
        errors.Require(Given(perPage) is null || (int.TryParse(perPage, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) && pageSize is >= 1 and <= 1000),
            "perPage", "From 1 to 1000.");
        var bizStep = Text("EQ_bizStep", eqBizStep) is { } step ? Cbv.BareWord(step, "bizstep", "BizStep") ?? step : null;
        var epc = Text("MATCH_epc", matchEpc);
        var bizLocation = Text("EQ_bizLocation", eqBizLocation);
        var readPoint = Text("EQ_readPoint", eqReadPoint);
        (DateTime Time, string Id)? after = null;
        if (Given(nextPageToken) is { } token)
        {
            after = ReadToken(token);
            errors.Require(after is not null, "nextPageToken", "Use the token from the previous page's Link header.");
        }
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }
        var rows = await database.QueryAsync<EventRow>(EpcisSql.Events, new
        {
            ExporterId = Exporter.From(http).Id,
            EventType = eventType,
            GeEventTime = ge ?? Earliest,
            LtEventTime = lt ?? Latest,
            BizStep = bizStep,
            BizLocation = bizLocation,
            ReadPoint = readPoint,
            EpcPattern = epc is null ? null : Like(epc),
            AfterTime = after?.Time ?? Earliest,
            AfterId = after?.Id ?? "",
            Take = pageSize + 1,
        }, cancellationToken);
        var page = rows.Take(pageSize).ToList();
        if (rows.Count > pageSize)
        {
            var last = page[^1];
            var next = QueryString.Create(query.Where(q => q.Key != "nextPageToken").SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v))))
                .Add("nextPageToken", Token(DateTime.SpecifyKind(last.EventTime, DateTimeKind.Utc), last.EventId));
            http.Response.Headers.Link = $"</epcis/events{next}>; rel=\"next\"";
        }
        var result = new JsonObject
        {
            ["@context"] = new JsonArray("https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"),
            ["type"] = "EPCISQueryDocument",
            ["schemaVersion"] = "2.0",
            ["creationDate"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["epcisBody"] = new JsonObject
            {
                ["queryResults"] = new JsonObject
                {
                    ["queryName"] = "SimpleEventQuery",
                    ["resultsBody"] = new JsonObject { ["eventList"] = new JsonArray(page.Select(r => JsonNode.Parse(r.Document)).ToArray()) },
                },
            },
        };
        return Results.Text(result.ToJsonString(), "application/ld+json", Encoding.UTF8);
    }

    // MATCH_epc: exact, or a prefix when it ends with '*'; LIKE's own wildcards are escaped.
    private static string Like(string pattern)
    {
        var prefix = pattern.EndsWith('*');
        var text = (prefix ? pattern[..^1] : pattern).Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
        return prefix ? text + "%" : text;
    }

    private static string Token(DateTime time, string eventId) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{time.Ticks}|{eventId}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (DateTime, string)? ReadToken(string token)
    {
        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=')));
            var bar = text.IndexOf('|', StringComparison.Ordinal);
            // A token is only ever one this endpoint wrote: a time within the stored range and an event id
            // that keeps the text rules and fits its column. Anything else was made up or damaged.
            if (bar <= 0 || !long.TryParse(text[..bar], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                || ticks < Earliest.Ticks || ticks > Latest.Ticks)
            {
                return null;
            }
            var eventId = text[(bar + 1)..];
            return eventId.Length <= EpcisValidator.IdentifierLimit && TextRules.Problem(eventId) is null
                ? (new DateTime(ticks, DateTimeKind.Utc), eventId)
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private sealed record EventRow
    {
        public string EventId { get; init; } = "";
        public DateTime EventTime { get; init; }
        public string Document { get; init; } = "";
    }
}
