using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
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
    // Within what every engine and parameter type holds (SQL Server's datetime starts in 1753).
    private static readonly DateTime Earliest = new(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Latest = new(9999, 12, 30, 0, 0, 0, DateTimeKind.Utc);

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

    private static async Task<IResult> QueryAsync(HttpContext http, Database database, CancellationToken cancellationToken)
    {
        CaptureEpcisEndpoint.Advertise(http.Response);
        var query = http.Request.Query;
        var errors = new ValidationErrors();
        string? Param(string name) => query[name].ToString() is { Length: > 0 } value ? value : null;
        DateTime? Time(string name)
        {
            var text = Param(name);
            if (text is null)
            {
                return null;
            }
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
            {
                return value.UtcDateTime;
            }
            errors.Add(name, "An ISO 8601 date-time with offset, e.g. 2026-11-01T00:00:00Z.");
            return null;
        }
        var eventType = Param("eventType");
        errors.Require(eventType is null || EventTypes.Contains(eventType), "eventType", $"One of: {string.Join(", ", EventTypes)}.");
        var ge = Time("GE_eventTime");
        var lt = Time("LT_eventTime");
        var perPage = 30;
        errors.Require(Param("perPage") is null || (int.TryParse(Param("perPage"), out perPage) && perPage is >= 1 and <= 1000), "perPage", "From 1 to 1000.");
        var bizStep = Param("EQ_bizStep") is { } step ? Cbv.BareWord(step, "bizstep", "BizStep") ?? step : null;
        var epc = Param("MATCH_epc");
        (DateTime Time, string Id)? after = null;
        if (Param("nextPageToken") is { } token)
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
            BizLocation = Param("EQ_bizLocation"),
            ReadPoint = Param("EQ_readPoint"),
            EpcPattern = epc is null ? null : Like(epc),
            AfterTime = after?.Time ?? Earliest,
            AfterId = after?.Id ?? "",
            Take = perPage + 1,
        }, cancellationToken);
        var page = rows.Take(perPage).ToList();
        if (rows.Count > perPage)
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
            return bar > 0 && long.TryParse(text[..bar], out var ticks) ? (new DateTime(ticks, DateTimeKind.Utc), text[(bar + 1)..]) : null;
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
