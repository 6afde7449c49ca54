using Traceability.Data;

namespace Traceability.Provenance.Features.CaptureEpcis;

internal static class EpcisSql
{
    public static string InsertEvent(SqlDialect dialect) => dialect.InsertIfAbsent(
        "provenance.epcis_event",
        ["exporter_id", "event_id", "event_type", "event_time", "record_time", "action", "biz_step", "disposition", "read_point", "biz_location", "capture_id", "document"],
        ["exporter_id", "event_id"]);

    public const string InsertEpc = """
        INSERT INTO provenance.epcis_event_epc (exporter_id, event_id, epc) VALUES (@ExporterId, @EventId, @Epc)
        """;

    public const string InsertCapture = """
        INSERT INTO provenance.epcis_capture (id, exporter_id, created_at, error_behaviour, event_count, stored_count, duplicate_count, errors)
        VALUES (@Id, @ExporterId, @CreatedAt, @ErrorBehaviour, @EventCount, @StoredCount, @DuplicateCount, @Errors)
        """;

    public const string CaptureOfExporter = """
        SELECT id AS Id, created_at AS CreatedAt, error_behaviour AS ErrorBehaviour, event_count AS EventCount,
               stored_count AS StoredCount, duplicate_count AS DuplicateCount, errors AS Errors
        FROM provenance.epcis_capture WHERE id = @Id AND exporter_id = @ExporterId
        """;

    public const string EventDocument = """
        SELECT document FROM provenance.epcis_event WHERE exporter_id = @ExporterId AND event_id = @EventId
        """;

    public static string EventDocuments(SqlDialect dialect) => $"""
        SELECT event_id AS EventId, document AS Document FROM provenance.epcis_event
        WHERE exporter_id = @ExporterId AND {dialect.IsAnyOf("event_id", "EventIds")}
        """;

    // Optional text filters as (@X IS NULL OR ...); times always bound (open ends are the type's extremes,
    // since an untyped NULL timestamp parameter cannot be typed by PostgreSQL); keyset paging on (event_time, event_id).
    public const string Events = """
        SELECT ev.event_id AS EventId, ev.event_time AS EventTime, ev.document AS Document
        FROM provenance.epcis_event ev
        WHERE ev.exporter_id = @ExporterId
          AND (@EventType IS NULL OR ev.event_type = @EventType)
          AND ev.event_time >= @GeEventTime
          AND ev.event_time < @LtEventTime
          AND (@BizStep IS NULL OR ev.biz_step = @BizStep)
          AND (@BizLocation IS NULL OR ev.biz_location = @BizLocation)
          AND (@ReadPoint IS NULL OR ev.read_point = @ReadPoint)
          AND (@EpcPattern IS NULL OR EXISTS (
                SELECT 1 FROM provenance.epcis_event_epc e
                WHERE e.exporter_id = ev.exporter_id AND e.event_id = ev.event_id AND e.epc LIKE @EpcPattern ESCAPE '\'))
          AND (ev.event_time > @AfterTime OR (ev.event_time = @AfterTime AND ev.event_id > @AfterId))
        ORDER BY ev.event_time, ev.event_id
        OFFSET 0 ROWS FETCH NEXT @Take ROWS ONLY
        """;
}
