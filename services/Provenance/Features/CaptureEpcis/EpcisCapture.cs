using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Traceability.Contracts.Provenance;
using Traceability.Data;
using Traceability.Provenance.Chain;
using Traceability.Provenance.Exporters;
using Traceability.Hosting.Idempotency;

namespace Traceability.Provenance.Features.CaptureEpcis;

/// <summary>A capture job as the API answers it.</summary>
public sealed record CaptureJob(Guid CaptureId, DateTime CreatedAt, bool Running, bool Success, string CaptureErrorBehaviour,
    int EventCount, int StoredCount, int DuplicateCount, IReadOnlyList<EpcisError> Errors);

/// <summary>
/// Stores captured EPCIS events: each once per exporter (by eventID, or GS1's event hash id when it
/// has none), with its EPCs indexed, its hash-chain link and its <see cref="EpcisEventCaptured"/>
/// event, all in one transaction with the capture job.
/// </summary>
internal sealed class EpcisCapture(Database database, HashChain chain, TimeProvider time)
{
    public const string RecordType = "epcis-event";
    public const int CaptureLimit = 1000;
    public const long FileSizeLimit = 16 * 1024 * 1024;

    private readonly string _insertEvent = EpcisSql.InsertEvent(database.Dialect);
    private readonly string _eventDocuments = EpcisSql.EventDocuments(database.Dialect);

    /// <summary>Stores the given events (already valid) and the job; <paramref name="errors"/> are those of events left out.</summary>
    public async Task<(CaptureJob Job, IReadOnlyList<PreparedEvent> Events)> StoreAsync(
        Exporter exporter, IReadOnlyList<JsonElement> events, string behaviour, int eventCount, IReadOnlyList<EpcisError> errors,
        CancellationToken cancellationToken, HttpContext? http = null)
    {
        var now = Canonical.Microseconds(time.GetUtcNow().UtcDateTime);
        var prepared = events.Select(e => Prepare(e, now)).ToList();
        var captureId = Guid.CreateVersion7();
        var messageIds = Enumerable.Range(0, (prepared.Count + EpcisEventsCaptured.MaxEvents - 1) / EpcisEventsCaptured.MaxEvents).Select(_ => Guid.CreateVersion7()).ToList();
        // Shared with the documents captured at the same moment (group commit).
        var job = await database.InSharedTransactionAsync(async data =>
        {
            // The events are inserted first (which were new decides the rest); their EPCs, chain links, outbox
            // rows and the job are held and reach the database in one more round trip, at commit.
            var inserted = await data.ExecuteBatchAsync(_insertEvent, prepared.Select(e => (object)new EventInsert(
                exporter.Id, e.EventId, e.EventType, e.EventTime, now, e.Action, e.BizStep, e.Disposition, e.ReadPoint, e.BizLocation, captureId, e.Json)).ToList());
            var fresh = prepared.Where((_, i) => inserted[i] == 1).ToList();
            foreach (var e in fresh)
            {
                foreach (var epc in e.Epcs)
                {
                    data.Defer(EpcisSql.InsertEpc, new EpcInsert(exporter.Id, e.EventId, epc));
                }
            }
            await chain.AppendManyAsync(data, exporter.Id, fresh.Select(e => (RecordType, e.EventId, e.Json)).ToList());
            // One message per hundred events rather than one per event: the same facts for a fraction of the broker's and Risk's work.
            await data.PublishManyAsync(fresh.Chunk(EpcisEventsCaptured.MaxEvents).Select((chunk, i) => new EpcisEventsCaptured
            {
                EventId = messageIds[i],
                TenantId = exporter.Id,
                OccurredAt = now,
                CaptureId = captureId,
                Events = chunk.Select(e => new CapturedEpcisEvent
                {
                    EpcisEventId = e.EventId,
                    EventType = e.EventType,
                    EventTime = e.EventTime,
                    LinkKind = e.LinkKind,
                    BizStep = e.BizStep,
                    Action = e.Action,
                    ReadPoint = e.ReadPoint,
                    BizLocation = e.BizLocation,
                    Epcs = e.Epcs.Take(1000).ToList(),
                    EpcCount = e.Epcs.Count,
                    Sources = e.Sources,
                    Destinations = e.Destinations,
                    InputEpcs = e.InputEpcs.Take(1000).ToList(),
                }).ToList(),
            }).ToList());
            var stored = fresh.Count;
            var job = new CaptureJob(captureId, now, false, errors.Count == 0, behaviour, eventCount, stored, prepared.Count - stored, errors);
            data.Defer(EpcisSql.InsertCapture, new
            {
                Id = captureId, ExporterId = exporter.Id, CreatedAt = now, ErrorBehaviour = behaviour, job.EventCount, job.StoredCount, job.DuplicateCount,
                Errors = JsonSerializer.Serialize(errors, Json),
            });
            if (http is not null)
            {
                IdempotentRequest.Save(data, http, StatusCodes.Status202Accepted, job, $"/epcis/capture/{captureId}");
            }
            return job;
        }, cancellationToken);
        return (job, prepared);
    }

    public async Task<CaptureJob?> FindJobAsync(string exporterId, Guid id, CancellationToken cancellationToken)
    {
        var row = await database.QuerySingleOrDefaultAsync<JobRow>(EpcisSql.CaptureOfExporter, new { Id = id, ExporterId = exporterId }, cancellationToken);
        return row is null
            ? null
            : new CaptureJob(row.Id, DateTime.SpecifyKind(row.CreatedAt, DateTimeKind.Utc), false, row.Errors == "[]", row.ErrorBehaviour, row.EventCount,
                row.StoredCount, row.DuplicateCount, JsonSerializer.Deserialize<List<EpcisError>>(row.Errors, Json) ?? []);
    }

    public Task<string?> DocumentAsync(string exporterId, string eventId, CancellationToken cancellationToken) =>
        database.QuerySingleOrDefaultAsync<string>(EpcisSql.EventDocument, new { ExporterId = exporterId, EventId = eventId }, cancellationToken);

    /// <summary>Stored events by id, as captured (hash-chain verification reads a page of them at once).</summary>
    public async Task<IReadOnlyDictionary<string, string>> DocumentsAsync(string exporterId, IReadOnlyList<string> eventIds, CancellationToken cancellationToken) =>
        (await database.QueryAsync<StoredDocument>(_eventDocuments, new { ExporterId = exporterId, EventIds = eventIds }, cancellationToken))
            .ToDictionary(d => d.EventId, d => d.Document, StringComparer.Ordinal);

    private sealed record StoredDocument(string EventId, string Document);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The event as stored: its eventID filled in when absent, its recordTime set, compact JSON.</summary>
    internal static PreparedEvent Prepare(JsonElement element, DateTime recordTime)
    {
        var node = JsonNode.Parse(element.GetRawText())!.AsObject();
        // An event without an id gets GS1's event hash (over the document's @context, which each event carries), as any conforming repository would give it.
        var eventId = node["eventID"]?.GetValue<string>() ?? EpcisEventHash.Id(element);
        node["eventID"] = eventId;
        node["recordTime"] = recordTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        var type = node["type"]!.GetValue<string>();
        var bizStep = Text(node, "bizStep") is { } step ? Cbv.BareWord(step, "bizstep", "BizStep") ?? step : null;
        var eventTime = DateTimeOffset.Parse(node["eventTime"]!.GetValue<string>(), CultureInfo.InvariantCulture).UtcDateTime;
        var epcs = new List<string>();
        foreach (var list in EpcisValidator.EpcLists)
        {
            if (node[list] is JsonArray array)
            {
                epcs.AddRange(array.OfType<JsonValue>().Select(v => v.GetValue<string>()));
            }
        }
        foreach (var list in EpcisValidator.QuantityLists)
        {
            if (node[list] is JsonArray array)
            {
                epcs.AddRange(array.OfType<JsonObject>().Select(q => q["epcClass"]?.GetValue<string>()).OfType<string>());
            }
        }
        if (Text(node, "parentID") is { } parent)
        {
            epcs.Add(parent);
        }
        // A transformation's inputs apart (Risk checks the exporter had them before it transformed them).
        var inputs = ((node["inputEPCList"] as JsonArray)?.OfType<JsonValue>().Select(v => v.GetValue<string>()) ?? [])
            .Concat((node["inputQuantityList"] as JsonArray)?.OfType<JsonObject>().Select(q => q["epcClass"]?.GetValue<string>()).OfType<string>() ?? [])
            .Where(e => e.Length <= 400).Distinct(StringComparer.Ordinal).ToList();
        var linkKind = type == "TransformationEvent" ? "transforming"
            : bizStep is "shipping" or "departing" ? "shipping"
            : bizStep is "receiving" or "arriving" ? "receiving"
            : null;
        return new PreparedEvent(eventId, type, Canonical.Microseconds(eventTime), Text(node, "action"), bizStep,
            Text(node, "disposition") is { } d ? Cbv.BareWord(d, "disp", "Disp") ?? d : null,
            Id(node, "readPoint"), Id(node, "bizLocation"), epcs.Where(e => e.Length <= 400).Distinct(StringComparer.Ordinal).ToList(),
            Ids(node, "sourceList", "source"), Ids(node, "destinationList", "destination"), linkKind, node.ToJsonString(), inputs);
    }

    private static string? Text(JsonObject node, string name) => node[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static string? Id(JsonObject node, string name) => node[name] is JsonObject o ? Text(o, "id") : null;

    private static List<string> Ids(JsonObject node, string list, string field) =>
        node[list] is JsonArray array ? array.OfType<JsonObject>().Select(o => Text(o, field)).OfType<string>().ToList() : [];

    private sealed record EventInsert(string ExporterId, string EventId, string EventType, DateTime EventTime, DateTime RecordTime, string? Action,
        string? BizStep, string? Disposition, string? ReadPoint, string? BizLocation, Guid CaptureId, string Document);

    private sealed record EpcInsert(string ExporterId, string EventId, string Epc);

    internal sealed record PreparedEvent(
        string EventId, string EventType, DateTime EventTime, string? Action, string? BizStep, string? Disposition, string? ReadPoint,
        string? BizLocation, IReadOnlyList<string> Epcs, IReadOnlyList<string> Sources, IReadOnlyList<string> Destinations, string? LinkKind, string Json,
        IReadOnlyList<string> InputEpcs);

    private sealed record JobRow
    {
        public Guid Id { get; init; }
        public DateTime CreatedAt { get; init; }
        public string ErrorBehaviour { get; init; } = "";
        public int EventCount { get; init; }
        public int StoredCount { get; init; }
        public int DuplicateCount { get; init; }
        public string Errors { get; init; } = "[]";
    }
}
