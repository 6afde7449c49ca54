using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
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

    /// <summary>
    /// Stores the given events (already valid) and the job; <paramref name="errors"/> are those of events left out.
    /// <paramref name="context"/> is the document's @context, which each event without one of its own is stored with.
    /// </summary>
    public async Task<(CaptureJob Job, IReadOnlyList<PreparedEvent> Events)> StoreAsync(
        Exporter exporter, IReadOnlyList<JsonElement> events, JsonElement? context, string behaviour, int eventCount, IReadOnlyList<EpcisError> errors,
        CancellationToken cancellationToken, HttpContext? http = null)
    {
        var now = Canonical.Microseconds(time.GetUtcNow().UtcDateTime);
        var prepared = events.Select(e => Prepare(e, context, now)).ToList();
        var captureId = Guid.CreateVersion7();
        var messageIds = Enumerable.Range(0, (prepared.Count + EpcisEventsCaptured.MaxEvents - 1) / EpcisEventsCaptured.MaxEvents).Select(_ => Guid.CreateVersion7()).ToList();
        // The events are inserted first (which were new decides the rest), in one round trip with those of the documents
        // captured at the same moment (group commit: they share the transaction); their EPCs, chain links, outbox rows and
        // the job are held and reach the database in one more round trip, at commit.
        var inserts = prepared.Select(e => (_insertEvent, (object)new EventInsert(
            exporter.Id, e.EventId, e.EventType, e.EventTime, now, e.Action, e.BizStep, e.Disposition, e.ReadPoint, e.BizLocation, captureId, e.Json))).ToList();
        var job = await database.InSharedTransactionAsync([chain.Head(exporter.Id)], inserts, async (data, inserted) =>
        {
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
                    ParentId = e.ParentId,
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

    /// <summary>
    /// The event as stored: the document's @context first when the event has none of its own (each event is stored and
    /// queried on its own, so its extension prefixes stay defined), then its members as written, its eventID filled in
    /// when absent, its recordTime set; compact JSON. Written in one pass from the parsed request: the event is not
    /// parsed again.
    /// </summary>
    internal static PreparedEvent Prepare(JsonElement element, JsonElement? documentContext, DateTime recordTime)
    {
        var ownContext = element.TryGetProperty("@context", out _);
        var context = ownContext ? null : documentContext;
        // An event without an id gets GS1's event hash (over the document's @context when it has none of its own), as any conforming repository would give it.
        var eventId = Text(element, "eventID") ?? EpcisEventHash.Id(element, context);
        var recorded = recordTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (context is { } shared)
            {
                writer.WritePropertyName("@context");
                shared.WriteTo(writer);
            }
            bool wroteId = false, wroteTime = false;
            foreach (var property in element.EnumerateObject())
            {
                if (property.NameEquals("eventID"))
                {
                    writer.WriteString("eventID", eventId);
                    wroteId = true;
                }
                else if (property.NameEquals("recordTime"))
                {
                    writer.WriteString("recordTime", recorded);
                    wroteTime = true;
                }
                else
                {
                    property.WriteTo(writer);
                }
            }
            if (!wroteId)
            {
                writer.WriteString("eventID", eventId);
            }
            if (!wroteTime)
            {
                writer.WriteString("recordTime", recorded);
            }
            writer.WriteEndObject();
        }
        var type = Text(element, "type")!;
        var bizStep = Text(element, "bizStep") is { } step ? Cbv.BareWord(step, "bizstep", "BizStep") ?? step : null;
        var eventTime = DateTimeOffset.Parse(Text(element, "eventTime")!, CultureInfo.InvariantCulture).UtcDateTime;
        var epcs = new List<string>();
        foreach (var list in EpcisValidator.EpcLists)
        {
            if (element.TryGetProperty(list, out var array) && array.ValueKind == JsonValueKind.Array)
            {
                epcs.AddRange(array.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!));
            }
        }
        foreach (var list in EpcisValidator.QuantityLists)
        {
            if (element.TryGetProperty(list, out var array) && array.ValueKind == JsonValueKind.Array)
            {
                epcs.AddRange(array.EnumerateArray().Where(q => q.ValueKind == JsonValueKind.Object).Select(q => Text(q, "epcClass")).OfType<string>());
            }
        }
        var parent = Text(element, "parentID") is { Length: <= 400 } parentId ? parentId : null;
        if (parent is not null)
        {
            epcs.Add(parent);
        }
        // A transformation's inputs apart (Risk checks the exporter had them before it transformed them).
        var inputs = (element.TryGetProperty("inputEPCList", out var inputEpcs) && inputEpcs.ValueKind == JsonValueKind.Array
                ? inputEpcs.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)
                : [])
            .Concat(element.TryGetProperty("inputQuantityList", out var inputQuantities) && inputQuantities.ValueKind == JsonValueKind.Array
                ? inputQuantities.EnumerateArray().Where(q => q.ValueKind == JsonValueKind.Object).Select(q => Text(q, "epcClass")).OfType<string>()
                : [])
            .Where(e => e.Length <= 400).Distinct(StringComparer.Ordinal).ToList();
        var linkKind = type == "TransformationEvent" ? "transforming"
            : bizStep is "shipping" or "departing" ? "shipping"
            : bizStep is "receiving" or "arriving" ? "receiving"
            : null;
        return new PreparedEvent(eventId, type, Canonical.Microseconds(eventTime), Text(element, "action"), bizStep,
            Text(element, "disposition") is { } d ? Cbv.BareWord(d, "disp", "Disp") ?? d : null,
            Id(element, "readPoint"), Id(element, "bizLocation"), epcs.Where(e => e.Length <= 400).Distinct(StringComparer.Ordinal).ToList(),
            Ids(element, "sourceList", "source"), Ids(element, "destinationList", "destination"), linkKind, Encoding.UTF8.GetString(buffer.WrittenSpan), inputs, parent);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Id(JsonElement element, string name) =>
        element.TryGetProperty(name, out var place) && place.ValueKind == JsonValueKind.Object ? Text(place, "id") : null;

    private static List<string> Ids(JsonElement element, string list, string field) =>
        element.TryGetProperty(list, out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray().Where(o => o.ValueKind == JsonValueKind.Object).Select(o => Text(o, field)).OfType<string>().ToList()
            : [];

    private sealed record EventInsert(string ExporterId, string EventId, string EventType, DateTime EventTime, DateTime RecordTime, string? Action,
        string? BizStep, string? Disposition, string? ReadPoint, string? BizLocation, Guid CaptureId, string Document);

    private sealed record EpcInsert(string ExporterId, string EventId, string Epc);

    internal sealed record PreparedEvent(
        string EventId, string EventType, DateTime EventTime, string? Action, string? BizStep, string? Disposition, string? ReadPoint,
        string? BizLocation, IReadOnlyList<string> Epcs, IReadOnlyList<string> Sources, IReadOnlyList<string> Destinations, string? LinkKind, string Json,
        IReadOnlyList<string> InputEpcs, string? ParentId);

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
