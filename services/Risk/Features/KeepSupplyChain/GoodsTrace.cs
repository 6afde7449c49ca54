using Traceability.Contracts.Provenance;
using Traceability.Data;
using Traceability.Risk.Features.EvaluateFacility;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules;

namespace Traceability.Risk.Features.KeepSupplyChain;

/// <summary>
/// UFLPA along the EPCIS chain, inside the consumer's transaction. Each exporter's EPCIS events are kept as links of a chain
/// (<c>risk.epcis_event</c>, the goods each named in which role, <c>risk.epcis_goods</c>, and its places that read as GLNs,
/// <c>risk.epcis_place</c>), and the EPCs a shipment names (<c>risk.shipment_epc</c>). A root (an EPCIS shipping event; a
/// shipment naming EPCs) has its goods followed back (<see cref="EpcisChain"/>) and is flagged when they were at a facility in
/// Xinjiang or on the UFLPA Entity List (<see cref="UflpaRule"/>). An event arriving after the roots it leads to (captured or
/// delivered late), or a facility Risk hears of after the events at it, sends Risk forward to those roots, which are traced again:
/// the flags end as in-order delivery leaves them. Flags are only raised or appended to here, never withdrawn: what a trace finds
/// stays found, whatever arrives later.
/// </summary>
public sealed class GoodsTrace(Database database, FlagBook flags, UflpaRule uflpa, ILogger<GoodsTrace> logger)
{
    private const int Chunk = 1000;
    private const int MaxPlaces = 20;
    private const string ShipmentRoot = "shipment:";
    private const string EventRoot = EpcisChain.EventRoot;

    private readonly string _insertEvent = GoodsTraceSql.InsertEvent(database.Dialect);
    private readonly string _insertGoods = GoodsTraceSql.InsertGoods(database.Dialect);
    private readonly string _insertPlace = GoodsTraceSql.InsertPlace(database.Dialect);
    private readonly string _insertShipmentEpc = GoodsTraceSql.InsertShipmentEpc(database.Dialect);
    private readonly string _eventIdsNaming = GoodsTraceSql.EventIdsNaming(database.Dialect);
    private readonly string _events = GoodsTraceSql.Events(database.Dialect);
    private readonly string _goods = GoodsTraceSql.Goods(database.Dialect);
    private readonly string _places = GoodsTraceSql.Places(database.Dialect);
    private readonly string _shipmentsNaming = GoodsTraceSql.ShipmentsNaming(database.Dialect);
    private readonly string _shipments = GoodsTraceSql.Shipments(database.Dialect);
    private readonly string _sitesByGln = GoodsTraceSql.SitesByGln(database.Dialect);
    private readonly string _eventsAtGln = GoodsTraceSql.EventsAtGln(database.Dialect);

    /// <summary>
    /// Keeps the events of one message and judges the roots they are or lead to. <paramref name="rolesKnown"/> is false for the
    /// single-event message, which does not tell a transformation's inputs from its outputs nor a container from its contents:
    /// its goods are all kept as plain objects (their places still count).
    /// </summary>
    public async Task KeepAsync(DataTransaction data, string tenantId, IReadOnlyList<CapturedEpcisEvent> events, bool rolesKnown = true)
    {
        if (!uflpa.Enabled || events.Count == 0)
        {
            return;
        }
        // The exporter's documents and shipments naming EPCs are judged one after another (the same lock as HeldInputs'): an
        // upstream event and the root it leads to, consumed at the same moment, would each miss the other's uncommitted rows.
        HeldInputs.Lock(data, tenantId);
        var reads = new Reads(data, tenantId);
        foreach (var e in events)
        {
            var kept = new ChainEvent
            {
                EpcisEventId = e.EpcisEventId, EventType = e.EventType, EventTime = e.EventTime, Action = e.Action, BizStep = Cut(e.BizStep, 200), LinkKind = e.LinkKind,
                Goods = Goods(e, rolesKnown).ToList(), Places = Places(e).ToList(),
            };
            data.Defer(_insertEvent, new
            {
                TenantId = tenantId, kept.EpcisEventId, kept.EventType, kept.EventTime, kept.Action, kept.BizStep, kept.LinkKind,
            });
            foreach (var goods in kept.Goods)
            {
                data.Defer(_insertGoods, new { TenantId = tenantId, goods.Epc, e.EpcisEventId, goods.Role });
            }
            foreach (var place in kept.Places)
            {
                data.Defer(_insertPlace, new { TenantId = tenantId, e.EpcisEventId, place.Place, place.Role, place.Gln });
            }
            // What this message names is known without reading it back (an event captured before keeps what it had).
            reads.Loaded.TryAdd(kept.EpcisEventId, kept);
        }
        var start = events.SelectMany(e => e.Epcs.Select(epc => (epc, e.EventTime))).ToList();
        await JudgeAsync(reads, await EpcisChain.RootsDownstreamAsync(start, Naming(reads), ShipmentsNaming(reads), uflpa.ChainLimits));
    }

    /// <summary>
    /// Keeps the EPCs a shipment names and what the trace finds upstream of them, for the shipment rules to flag with its
    /// origin and tiers (nothing read when it names none).
    /// </summary>
    public async Task<IReadOnlyList<ChainFinding>> KeepAsync(DataTransaction data, ShipmentRecorded shipment)
    {
        var epcs = shipment.Epcs.Where(e => e.Length is > 0 and <= 400).Distinct(StringComparer.Ordinal).ToList();
        if (!uflpa.Enabled || epcs.Count == 0)
        {
            return [];
        }
        HeldInputs.Lock(data, shipment.TenantId);
        foreach (var epc in epcs)
        {
            data.Defer(_insertShipmentEpc, new
            {
                shipment.TenantId, Epc = epc, shipment.ShipmentId, shipment.HsCode, Commodity = Cut(shipment.Commodity, 200), shipment.ShipDate,
            });
        }
        var root = new ChainRoot(ShipmentRoot + shipment.ShipmentId, epcs, EndOf(shipment.ShipDate));
        var (findings, _) = await TraceAsync(new Reads(data, shipment.TenantId), [root]);
        return findings;
    }

    /// <summary>
    /// A facility Risk has just heard of (or whose revision moved it into the region or onto the list): the EPCIS events at its
    /// GLN that were kept before are followed forward to their roots, which are judged again.
    /// </summary>
    public async Task FacilityArrivedAsync(DataTransaction data, FacilityFacts facility)
    {
        if (!uflpa.Enabled || facility.Gln is null)
        {
            return;
        }
        var at = await data.QueryAsync<EventAt>(_eventsAtGln, new { facility.Gln, Limit = uflpa.ChainLimits.MaxEvents });
        // Exporters' locks in one order, as any other transaction taking more than one takes them.
        foreach (var tenant in at.GroupBy(a => a.TenantId).OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            HeldInputs.Lock(data, tenant.Key);
            var reads = new Reads(data, tenant.Key);
            var events = await LoadAsync(reads, tenant.Select(a => a.EpcisEventId).ToList());
            var start = events.SelectMany(e => e.Goods.Select(g => (g.Epc, e.EventTime))).ToList();
            await JudgeAsync(reads, await EpcisChain.RootsDownstreamAsync(start, Naming(reads), ShipmentsNaming(reads), uflpa.ChainLimits));
        }
    }

    // Traces roots (shipping events by "epcis:<id>", shipments by "shipment:<id>") of one exporter and raises or appends their flags.
    private async Task JudgeAsync(Reads reads, IReadOnlyList<string> rootIds)
    {
        if (rootIds.Count == 0)
        {
            return;
        }
        var (data, tenantId) = (reads.Data, reads.TenantId);
        var shippingIds = rootIds.Where(r => r.StartsWith(EventRoot, StringComparison.Ordinal)).Select(r => r[EventRoot.Length..]).ToList();
        var shipmentIds = rootIds.Where(r => r.StartsWith(ShipmentRoot, StringComparison.Ordinal)).Select(r => Guid.Parse(r[ShipmentRoot.Length..])).ToList();
        var shipping = (await LoadAsync(reads, shippingIds)).Where(e => e.IsShipping).ToList();
        var shipments = shipmentIds.Count == 0 ? [] : await data.QueryAsync<ShipmentEpc>(_shipments, new { Ids = shipmentIds.ToArray() });
        var roots = shipping.Select(e => new ChainRoot(EventRoot + e.EpcisEventId, e.Goods.Select(g => g.Epc).ToList(), e.EventTime))
            .Concat(shipments.GroupBy(s => s.ShipmentId).Select(s => new ChainRoot(ShipmentRoot + s.Key, s.Select(x => x.Epc).ToList(), EndOf(s.First().ShipDate))))
            .ToList();
        var sites = shipping.Select(e => (Event: e, Place: e.Places.FirstOrDefault(p => p.Role == ChainPlace.Location) ?? e.Places.FirstOrDefault(p => p.Role == ChainPlace.ReadPoint)))
            .ToList();
        var (findings, known) = await TraceAsync(reads, roots, sites.Select(s => s.Place?.Gln).OfType<string>());
        var byRoot = findings.ToLookup(f => f.Visit.RootId, StringComparer.Ordinal);
        foreach (var (e, place) in sites)
        {
            var found = byRoot[EventRoot + e.EpcisEventId].ToList();
            if (found.Count == 0 || place is null)
            {
                continue;
            }
            var site = known[place.Gln].FirstOrDefault();
            foreach (var signal in uflpa.ForShippingEvent(tenantId, e, site?.Key ?? place.Gln, site, found))
            {
                flags.RaiseOrAppend(data, signal);
            }
        }
        foreach (var shipment in shipments.GroupBy(s => s.ShipmentId))
        {
            var found = byRoot[ShipmentRoot + shipment.Key].ToList();
            var first = shipment.First();
            foreach (var signal in found.Count == 0 ? [] : uflpa.ForShipment(new ShipmentFacts(shipment.Key, tenantId, first.Commodity, first.HsCode, first.ShipDate), [], found))
            {
                flags.RaiseOrAppend(data, signal);
            }
        }
    }

    private async Task<(IReadOnlyList<ChainFinding> Findings, ILookup<string, FacilityFacts> Sites)> TraceAsync(
        Reads reads, IReadOnlyList<ChainRoot> roots, IEnumerable<string>? moreGlns = null)
    {
        var trace = await EpcisChain.TraceAsync(roots, Naming(reads), uflpa.ChainLimits);
        if (trace.Cut)
        {
            logger.LogWarning("A UFLPA chain trace of {Roots} root(s) of {TenantId} reached its limits ({Limits}); what it found is judged", roots.Count, reads.TenantId,
                uflpa.ChainLimits);
        }
        var glns = trace.Visits.Select(v => v.Place.Gln).Concat(moreGlns ?? []).Distinct(StringComparer.Ordinal).ToList();
        var sites = new List<FacilityFacts>();
        foreach (var chunk in glns.Chunk(Chunk))
        {
            // The sites' GLNs first (FacilityLocks): a facility registered at one of them at the same moment is read here or walks
            // forward from these events when it commits, never neither.
            FacilityLocks.Learnt(reads.Data, chunk, []);
            sites.AddRange(await reads.Data.QueryAsync<FacilityFacts>(_sitesByGln, new { Glns = chunk }));
        }
        var byGln = sites.ToLookup(s => s.Gln!, StringComparer.Ordinal);
        return (uflpa.Judge(trace, byGln), byGln);
    }

    // The events naming identifiers, each identifier asked of the database once a judgement (the forward walk and the trace back
    // of the same document's shipping events ask for the same ones), unless a read was cut at the limit.
    private EventsNaming Naming(Reads reads) => async (epcs, limit) =>
    {
        var unknown = epcs.Where(e => !reads.Named.ContainsKey(e)).ToArray();
        var ids = epcs.Where(reads.Named.ContainsKey).SelectMany(e => reads.Named[e]).ToList();
        if (unknown.Length > 0)
        {
            var read = await reads.Data.QueryAsync<NamedBy>(_eventIdsNaming, new { reads.TenantId, Epcs = unknown, Limit = limit });
            if (read.Count < limit)
            {
                var byEpc = read.ToLookup(r => r.Epc, r => r.EpcisEventId, StringComparer.Ordinal);
                foreach (var epc in unknown)
                {
                    reads.Named[epc] = byEpc[epc].Distinct(StringComparer.Ordinal).ToList();
                }
            }
            ids.AddRange(read.Select(r => r.EpcisEventId));
        }
        return await LoadAsync(reads, ids.Distinct(StringComparer.Ordinal).Take(limit).ToList());
    };

    private Func<IReadOnlyCollection<string>, Task<IReadOnlyList<(string, string, DateTime)>>> ShipmentsNaming(Reads reads) => async epcs =>
        (await reads.Data.QueryAsync<ShipmentEpc>(_shipmentsNaming, new { reads.TenantId, Epcs = epcs.ToArray() }))
            .Select(s => (ShipmentRoot + s.ShipmentId, s.Epc, EndOf(s.ShipDate))).ToList();

    // Events by id with their goods and places: three reads for any number (a thousand ids a read), none for an event this
    // judgement read already (the forward walk, the roots and the trace back often read the same document's events).
    private async Task<IReadOnlyList<ChainEvent>> LoadAsync(Reads reads, IReadOnlyList<string> ids)
    {
        var wanted = ids.Distinct(StringComparer.Ordinal).ToList();
        foreach (var chunk in wanted.Where(id => !reads.Loaded.ContainsKey(id)).Chunk(Chunk))
        {
            var args = new { reads.TenantId, Ids = chunk };
            var rows = await reads.Data.QueryAsync<EventRow>(_events, args);
            var goods = (await reads.Data.QueryAsync<GoodsRow>(_goods, args)).ToLookup(g => g.EpcisEventId, StringComparer.Ordinal);
            var places = (await reads.Data.QueryAsync<PlaceRow>(_places, args)).ToLookup(p => p.EpcisEventId, StringComparer.Ordinal);
            foreach (var r in rows)
            {
                reads.Loaded[r.EpcisEventId] = new ChainEvent
                {
                    EpcisEventId = r.EpcisEventId, EventType = r.EventType, EventTime = DateTime.SpecifyKind(r.EventTime, DateTimeKind.Utc), Action = r.Action,
                    BizStep = r.BizStep, LinkKind = r.LinkKind,
                    Goods = goods[r.EpcisEventId].Select(g => new ChainGoods(g.Epc, g.Role)).ToList(),
                    Places = places[r.EpcisEventId].Select(p => new ChainPlace(p.Place, p.Role, p.Gln)).ToList(),
                };
            }
        }
        return wanted.Select(id => reads.Loaded.GetValueOrDefault(id)).OfType<ChainEvent>().ToList();
    }

    // One judgement's reads: one exporter's rows in one transaction, and the events read so far (rows written before the reads).
    private sealed record Reads(DataTransaction Data, string TenantId)
    {
        public Dictionary<string, ChainEvent> Loaded { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, List<string>> Named { get; } = new(StringComparer.Ordinal);
    }

    private sealed record NamedBy(string Epc, string EpcisEventId);

    // The roles of an event's goods: a transformation's inputs and outputs, a container and its contents; plain objects otherwise.
    private static IEnumerable<ChainGoods> Goods(CapturedEpcisEvent e, bool rolesKnown)
    {
        var inputs = rolesKnown ? e.InputEpcs.ToHashSet(StringComparer.Ordinal) : [];
        var parent = rolesKnown ? e.ParentId : null;
        var contains = parent is not null && e.EventType is "AggregationEvent" or "TransactionEvent";
        return e.Epcs.Where(epc => epc.Length is > 0 and <= 400).Distinct(StringComparer.Ordinal).Select(epc => new ChainGoods(epc,
            rolesKnown && e.EventType == "TransformationEvent" ? (inputs.Contains(epc) ? GoodsRole.Input : GoodsRole.Output)
            : contains && epc == parent ? GoodsRole.Parent
            : contains ? GoodsRole.Child
            : GoodsRole.Object));
    }

    // The places an event names that read as GLNs (the rest can name no facility Risk knows), at most a few of each kind.
    private static IEnumerable<ChainPlace> Places(CapturedEpcisEvent e) =>
        new[] { (e.BizLocation, ChainPlace.Location), (e.ReadPoint, ChainPlace.ReadPoint) }
            .Concat(e.Sources.Take(MaxPlaces).Select(s => ((string?)s, ChainPlace.Source)))
            .Concat(e.Destinations.Take(MaxPlaces).Select(d => ((string?)d, ChainPlace.Destination)))
            .Select(p => (p.Item1, p.Item2, Gln: ChainPlace.GlnOf(p.Item1)))
            .Where(p => p.Gln is not null)
            .Select(p => new ChainPlace(p.Item1!, p.Item2, p.Gln!))
            .DistinctBy(p => (p.Role, p.Place));

    // A shipment's goods are followed as they were by the end of its ship date.
    private static DateTime EndOf(DateOnly day) => day.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddTicks(-10);

    private static string? Cut(string? text, int length) => text is null || text.Length <= length ? text : text[..length];

    private sealed record EventAt(string TenantId, string EpcisEventId);

    private sealed record ShipmentEpc
    {
        public Guid ShipmentId { get; init; }
        public string Epc { get; init; } = "";
        public string HsCode { get; init; } = "";
        public string Commodity { get; init; } = "";
        public DateOnly ShipDate { get; init; }
    }

    private sealed record EventRow
    {
        public string EpcisEventId { get; init; } = "";
        public string EventType { get; init; } = "";
        public DateTime EventTime { get; init; }
        public string? Action { get; init; }
        public string? BizStep { get; init; }
        public string? LinkKind { get; init; }
    }

    private sealed record GoodsRow(string EpcisEventId, string Epc, string Role);

    private sealed record PlaceRow(string EpcisEventId, string Place, string Role, string Gln);
}

internal static class GoodsTraceSql
{
    public static string InsertEvent(SqlDialect dialect) => dialect.InsertIfAbsent(
        "risk.epcis_event", ["tenant_id", "epcis_event_id", "event_type", "event_time", "action", "biz_step", "link_kind"], ["tenant_id", "epcis_event_id"]);

    public static string InsertGoods(SqlDialect dialect) => dialect.InsertIfAbsent(
        "risk.epcis_goods", ["tenant_id", "epc", "epcis_event_id", "role"], ["tenant_id", "epc", "epcis_event_id", "role"]);

    public static string InsertPlace(SqlDialect dialect) => dialect.InsertIfAbsent(
        "risk.epcis_place", ["tenant_id", "epcis_event_id", "place", "role", "gln"], ["tenant_id", "epcis_event_id", "role", "place"]);

    public static string InsertShipmentEpc(SqlDialect dialect) => dialect.InsertIfAbsent(
        "risk.shipment_epc", ["tenant_id", "epc", "shipment_id", "hs_code", "commodity", "ship_date"], ["tenant_id", "epc", "shipment_id"]);

    // Any @Limit of them: an identifier named by very many events cannot make a trace read without end. From the goods' key
    // alone (an index-only scan): joined to the events to keep only those in the time a step can use, it cost a hundred
    // index lookups a document more (about 9 ms of PostgreSQL's CPU an event in the EPCIS benchmark, loaded machine).
    public static string EventIdsNaming(SqlDialect dialect) => $"""
        SELECT epc AS Epc, epcis_event_id AS EpcisEventId FROM risk.epcis_goods WHERE tenant_id = @TenantId AND {dialect.IsAnyOf("epc", "Epcs")}
        {dialect.AnyRows("Limit")}
        """;

    public static string Events(SqlDialect dialect) => $"""
        SELECT epcis_event_id AS EpcisEventId, event_type AS EventType, event_time AS EventTime, action AS Action, biz_step AS BizStep, link_kind AS LinkKind
        FROM risk.epcis_event WHERE tenant_id = @TenantId AND {dialect.IsAnyOf("epcis_event_id", "Ids")}
        """;

    public static string Goods(SqlDialect dialect) => $"""
        SELECT epcis_event_id AS EpcisEventId, epc AS Epc, role AS Role
        FROM risk.epcis_goods WHERE tenant_id = @TenantId AND {dialect.IsAnyOf("epcis_event_id", "Ids")}
        """;

    public static string Places(SqlDialect dialect) => $"""
        SELECT epcis_event_id AS EpcisEventId, place AS Place, role AS Role, gln AS Gln
        FROM risk.epcis_place WHERE tenant_id = @TenantId AND {dialect.IsAnyOf("epcis_event_id", "Ids")}
        """;

    // Every exporter's events at a site (a facility is one site whoever registered it), any @Limit of them.
    public static string EventsAtGln(SqlDialect dialect) => $"""
        SELECT tenant_id AS TenantId, epcis_event_id AS EpcisEventId FROM risk.epcis_place WHERE gln = @Gln
        GROUP BY tenant_id, epcis_event_id {dialect.AnyRows("Limit")}
        """;

    public static string ShipmentsNaming(SqlDialect dialect) => $"""
        SELECT shipment_id AS ShipmentId, epc AS Epc, hs_code AS HsCode, commodity AS Commodity, ship_date AS ShipDate
        FROM risk.shipment_epc WHERE tenant_id = @TenantId AND {dialect.IsAnyOf("epc", "Epcs")}
        """;

    public static string Shipments(SqlDialect dialect) => $"""
        SELECT shipment_id AS ShipmentId, epc AS Epc, hs_code AS HsCode, commodity AS Commodity, ship_date AS ShipDate
        FROM risk.shipment_epc WHERE {dialect.IsAnyOf("shipment_id", "Ids")}
        """;

    public static string SitesByGln(SqlDialect dialect) => $"""
        SELECT {FacilityColumns.Facts} FROM risk.facility WHERE {dialect.IsAnyOf("gln", "Glns")} ORDER BY id
        """;
}
