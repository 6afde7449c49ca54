using Traceability.Contracts.Provenance;
using Traceability.Data;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules;

namespace Traceability.Risk.Features.KeepSupplyChain;

/// <summary>
/// The EPCs each exporter has held and the transformations that used inputs it had not (<see cref="TransformationInputsRule"/>),
/// inside the consumer's transaction. An EPC counts as held from the earliest event naming it other than as an input, wherever
/// that event is: earlier in the same document, later in it, or in a document captured or delivered after the transformation.
/// A transformation's inputs not held before it are kept (<c>risk.transformation_input</c>) until an event holding them before
/// it arrives; the facility's flag is then judged again and withdrawn when no transformation's input is missing any more.
/// </summary>
public sealed class HeldInputs(Database database, FlagBook flags, TransformationInputsRule rule)
{
    private const int Chunk = 1000;
    private readonly string _insertHeld = KeepSupplyChainSql.InsertHeldEpc(database.Dialect);
    private readonly string _heldBefore = KeepSupplyChainSql.HeldBefore(database.Dialect);
    private readonly string _insertMissing = HeldInputsSql.InsertMissing(database.Dialect);
    private readonly string _nowHeld = HeldInputsSql.NowHeld(database.Dialect);

    /// <summary>
    /// One exporter's documents are judged one after another: a transformation and the receipt of its inputs consumed at the
    /// same moment would each miss the other's uncommitted rows (and the flag would stay). A consumer names this lock to its
    /// inbox, which takes it first.
    /// </summary>
    public static TransactionLock Lock(SqlDialect dialect, string tenantId) => TransactionLock.Named(dialect, $"risk.held-inputs:{tenantId}");

    /// <summary>
    /// Judges the transformations among <paramref name="events"/> and keeps what they held. <paramref name="inputsKnown"/> is false
    /// for the single-event message, which does not tell a transformation's inputs from its outputs: its transformations are
    /// neither judged nor taken as holding anything.
    /// </summary>
    public async Task KeepAsync(DataTransaction data, string tenantId, IReadOnlyList<CapturedEpcisEvent> events, bool inputsKnown = true)
    {
        if (!rule.Enabled)
        {
            return;
        }
        // Taken first by the consumers (with the other locks of their transaction, in order); here for any other caller.
        Lock(data, tenantId);
        var holding = events.Where(e => inputsKnown || e.EventType != "TransformationEvent").ToList();
        // The earliest time the document itself holds each EPC: a receipt later in the document than the transformation counts.
        var heldHere = holding.SelectMany(e => e.Epcs.Except(e.InputEpcs, StringComparer.Ordinal).Select(epc => (Epc: epc, At: e.EventTime, By: e.EpcisEventId)))
            .GroupBy(h => h.Epc, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.MinBy(h => h.At), StringComparer.Ordinal);
        foreach (var e in inputsKnown ? events : [])
        {
            if (e.EventType != "TransformationEvent" || e.InputEpcs.Count == 0)
            {
                continue;
            }
            var held = await data.QueryAsync<string>(_heldBefore, new { TenantId = tenantId, Epcs = e.InputEpcs.ToArray(), Before = e.EventTime });
            var neverHeld = e.InputEpcs.Except(held, StringComparer.Ordinal)
                .Where(epc => !heldHere.TryGetValue(epc, out var here) || here.At >= e.EventTime).Distinct(StringComparer.Ordinal).ToList();
            if (neverHeld.Count == 0)
            {
                continue;
            }
            var site = await SiteAsync(data, e.BizLocation);
            if (rule.Evaluate(tenantId, e, neverHeld, site) is { } signal)
            {
                flags.RaiseOrAppend(data, signal);
                foreach (var epc in neverHeld)
                {
                    data.Defer(_insertMissing, new
                    {
                        TenantId = tenantId, Epc = epc, e.EpcisEventId, e.EventTime, SubjectId = signal.Subject.Id, BizLocation = e.BizLocation ?? e.ReadPoint, InputCount = e.InputEpcs.Count,
                    });
                }
            }
        }
        foreach (var (epc, held) in heldHere)
        {
            var row = new { TenantId = tenantId, Epc = epc, HeldFrom = held.At, EpcisEventId = held.By };
            data.Defer(_insertHeld, row, inserted =>
            {
                if (inserted == 0)
                {
                    data.Defer(KeepSupplyChainSql.HeldEarlier, row);
                }
            });
        }
        await ClearAsync(data, tenantId, heldHere.Keys.ToList());
    }

    // Inputs missing from earlier transformations that are now held before them: they stop counting, and each facility they
    // were transformed at is judged again with what is still missing there.
    private async Task ClearAsync(DataTransaction data, string tenantId, IReadOnlyList<string> epcs)
    {
        var cleared = new List<NowHeldInput>();
        foreach (var chunk in epcs.Chunk(Chunk))
        {
            cleared.AddRange(await data.QueryAsync<NowHeldInput>(_nowHeld, new { TenantId = tenantId, Epcs = chunk }));
        }
        if (cleared.Count == 0)
        {
            return;
        }
        foreach (var input in cleared)
        {
            data.Defer(HeldInputsSql.DeleteMissing, new { TenantId = tenantId, input.Epc, input.EpcisEventId });
        }
        foreach (var subject in cleared.GroupBy(c => c.SubjectId))
        {
            var missing = await data.QueryAsync<MissingInput>(HeldInputsSql.StillMissing, new { SubjectId = subject.Key });
            FlagSignal? signal = null;
            if (missing.Count > 0)
            {
                var gln = TransformationInputsRule.GlnOfSgln(missing[0].BizLocation ?? "");
                var site = await SiteAsync(data, missing[0].BizLocation);
                signal = rule.Judge(subject.Key, missing.GroupBy(m => (m.TenantId, m.EpcisEventId))
                    .Select(g => new MissingInputs(g.Key.TenantId, g.Key.EpcisEventId, DateTime.SpecifyKind(g.First().EventTime, DateTimeKind.Utc), g.First().BizLocation,
                        g.First().InputCount, g.Select(m => m.Epc).Order(StringComparer.Ordinal).ToList()))
                    .ToList(), gln is null ? null : site);
            }
            flags.Judge(data, new FlagJudgement(TransformationInputsRule.Id, FlagSubject.Facility(subject.Key), signal, $"epcis:{subject.First().HeldBy}"));
        }
    }

    /// <summary>
    /// One exporter's EPCIS documents (and its shipments naming EPCs, <see cref="GoodsTrace"/>) are judged one after another:
    /// taken twice in one transaction it is held once.
    /// </summary>
    public static void Lock(DataTransaction data, string tenantId) => data.Lock([Lock(data.Dialect, tenantId)]);

    private static async Task<FacilityFacts?> SiteAsync(DataTransaction data, string? bizLocation)
    {
        var gln = bizLocation is null ? null : TransformationInputsRule.GlnOfSgln(bizLocation);
        return gln is null ? null : (await data.QueryAsync<FacilityFacts>(KeepSupplyChainSql.SiteByGln, new { Gln = gln })).FirstOrDefault();
    }

    private sealed record NowHeldInput(string SubjectId, string EpcisEventId, string Epc, string HeldBy);

    private sealed record MissingInput
    {
        public string TenantId { get; init; } = "";
        public string EpcisEventId { get; init; } = "";
        public string Epc { get; init; } = "";
        public DateTime EventTime { get; init; }
        public string? BizLocation { get; init; }
        public int InputCount { get; init; }
    }
}

internal static class HeldInputsSql
{
    public static string InsertMissing(SqlDialect dialect) => dialect.InsertIfAbsent(
        "risk.transformation_input", ["tenant_id", "epc", "epcis_event_id", "event_time", "subject_id", "biz_location", "input_count"],
        ["tenant_id", "epc", "epcis_event_id"]);

    public static string NowHeld(SqlDialect dialect) => $"""
        SELECT m.subject_id AS SubjectId, m.epcis_event_id AS EpcisEventId, m.epc AS Epc, h.epcis_event_id AS HeldBy
        FROM risk.transformation_input m JOIN risk.held_epc h ON h.tenant_id = m.tenant_id AND h.epc = m.epc
        WHERE m.tenant_id = @TenantId AND {dialect.IsAnyOf("m.epc", "Epcs")} AND h.held_from < m.event_time
        ORDER BY m.subject_id, m.epcis_event_id, m.epc
        """;

    public const string DeleteMissing = """
        DELETE FROM risk.transformation_input WHERE tenant_id = @TenantId AND epc = @Epc AND epcis_event_id = @EpcisEventId
        """;

    // Every exporter's transformations at the facility that still miss inputs (the flag is the facility's, whoever captured).
    public const string StillMissing = """
        SELECT tenant_id AS TenantId, epcis_event_id AS EpcisEventId, epc AS Epc, event_time AS EventTime, biz_location AS BizLocation, input_count AS InputCount
        FROM risk.transformation_input WHERE subject_id = @SubjectId
        ORDER BY event_time, epcis_event_id, epc
        """;
}
