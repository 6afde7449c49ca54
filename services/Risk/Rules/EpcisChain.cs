using System.Globalization;
using Traceability.Hosting;

namespace Traceability.Risk.Rules;

/// <summary>One EPCIS event as the chain trace reads it: what it named in which role, and the places it names that are GLNs.</summary>
public sealed record ChainEvent
{
    /// <summary>The EPCIS eventID.</summary>
    public required string EpcisEventId { get; init; }

    /// <summary>ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent or AssociationEvent.</summary>
    public required string EventType { get; init; }

    /// <summary>When it happened (UTC).</summary>
    public required DateTime EventTime { get; init; }

    /// <summary>ADD, OBSERVE or DELETE.</summary>
    public string? Action { get; init; }

    /// <summary>The CBV business step (bare word).</summary>
    public string? BizStep { get; init; }

    /// <summary>"shipping", "receiving", "transforming" or null.</summary>
    public string? LinkKind { get; init; }

    /// <summary>The goods it named, each with its role (<see cref="GoodsRole"/>).</summary>
    public IReadOnlyList<ChainGoods> Goods { get; init; } = [];

    /// <summary>The places it named that read as GLNs.</summary>
    public IReadOnlyList<ChainPlace> Places { get; init; } = [];

    /// <summary>Whether the goods left for somewhere else: its destinations are downstream of it.</summary>
    public bool IsShipping => LinkKind == "shipping";

    /// <summary>Whether it puts contents into a container (or says they are in it): an aggregation or transaction with a parent.</summary>
    public bool Contains => EventType is "AggregationEvent" or "TransactionEvent" && Action is "ADD" or "OBSERVE";
}

/// <summary>An identifier an event named (an EPC, a class such as a lot, a container) and in which role.</summary>
public sealed record ChainGoods(string Epc, string Role);

/// <summary>What goods were to an event.</summary>
public static class GoodsRole
{
    /// <summary>Named plainly (epcList, quantityList; every identifier of an event whose message did not tell roles apart).</summary>
    public const string Object = "object";

    /// <summary>A TransformationEvent's input.</summary>
    public const string Input = "input";

    /// <summary>A TransformationEvent's output.</summary>
    public const string Output = "output";

    /// <summary>An aggregation's or transaction's container (parentID).</summary>
    public const string Parent = "parent";

    /// <summary>An aggregation's or transaction's contents.</summary>
    public const string Child = "child";
}

/// <summary>A place an event named (business location, read point, source or destination) and the GLN it reads as.</summary>
public sealed record ChainPlace(string Place, string Role, string Gln)
{
    /// <summary>The business location.</summary>
    public const string Location = "location";

    /// <summary>The read point.</summary>
    public const string ReadPoint = "read-point";

    /// <summary>A sourceList entry (owning party or location).</summary>
    public const string Source = "source";

    /// <summary>A destinationList entry.</summary>
    public const string Destination = "destination";

    /// <summary>
    /// The GLN a place id names, or null: an SGLN (<c>urn:epc:id:sgln:0614141.00777.0</c>), a PGLN
    /// (<c>urn:epc:id:pgln:0614141.00777</c>), or a GS1 Digital Link with AI 414 or 417 (<c>https://id.gs1.org/414/0614141007776</c>).
    /// </summary>
    public static string? GlnOf(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 400)
        {
            return null;
        }
        if (TransformationInputsRule.GlnOfSgln(id) is { } gln)
        {
            return gln;
        }
        const string pgln = "urn:epc:id:pgln:";
        if (id.StartsWith(pgln, StringComparison.Ordinal))
        {
            var parts = id[pgln.Length..].Split('.');
            var digits = parts.Length == 2 ? parts[0] + parts[1] : "";
            return digits.Length == 12 && digits.All(char.IsAsciiDigit) ? digits + CheckDigit.Compute(digits) : null;
        }
        foreach (var ai in new[] { "/414/", "/417/" })
        {
            var at = id.StartsWith("http", StringComparison.OrdinalIgnoreCase) ? id.IndexOf(ai, StringComparison.Ordinal) : -1;
            if (at >= 0 && id.Length >= at + ai.Length + 13)
            {
                var digits = id.Substring(at + ai.Length, 13);
                return CheckDigit.IsGln(digits) ? digits : null;
            }
        }
        return null;
    }
}

/// <summary>How far a trace may go: a hostile or broken document cannot make it loop or grow without end.</summary>
/// <param name="MaxDepth">Steps back from the goods (a transformation's inputs, a container's contents are one step each).</param>
/// <param name="MaxEpcs">Identifiers followed in one trace (each at a point in time).</param>
/// <param name="MaxEvents">Events read in one trace.</param>
public sealed record ChainLimits(int MaxDepth, int MaxEpcs, int MaxEvents)
{
    /// <summary>From the <c>uflpa-region</c> rule's parameters <c>ChainMaxDepth</c>, <c>ChainMaxEpcs</c>, <c>ChainMaxEvents</c>.</summary>
    public static ChainLimits Of(RuleSettings settings) =>
        new(settings.Integer("ChainMaxDepth"), settings.Integer("ChainMaxEpcs"), settings.Integer("ChainMaxEvents"));
}

/// <summary>Goods to follow back: a root (a shipping event, a shipment) names them as they were at <paramref name="UpTo"/>.</summary>
public sealed record ChainRoot(string RootId, IReadOnlyList<string> Epcs, DateTime UpTo);

/// <summary>One step of a path from a place back to the goods a root names: what happened to <see cref="Epc"/> at an event.</summary>
public sealed record ChainStep(string Epc, ChainEvent Event, string Text);

/// <summary>
/// A place on the backward path of a root's goods: <see cref="Epc"/> was there at <see cref="Event"/>, and <see cref="Path"/>
/// leads from it to what the root names (empty when the root names <see cref="Epc"/> itself).
/// </summary>
public sealed record ChainVisit(string RootId, string Epc, ChainPlace Place, ChainEvent Event, IReadOnlyList<ChainStep> Path);

/// <summary>What a trace found: every (root, place) visit, and whether a limit cut it short.</summary>
public sealed record ChainTrace(IReadOnlyList<ChainVisit> Visits, bool Cut);

/// <summary>
/// Events naming some identifiers, any <paramref name="limit"/> of them (whatever their time: the trace keeps those it can use),
/// each with all its goods and places.
/// </summary>
public delegate Task<IReadOnlyList<ChainEvent>> EventsNaming(IReadOnlyCollection<string> epcs, int limit);

/// <summary>
/// Follows goods back through one exporter's EPCIS events. From each identifier a root names, as it was at the root's time:
/// every event naming it at or before that time put it at the event's places (business location, read point, sources;
/// a shipping event's destinations only when the goods were named again after it, i.e. they got there); a TransformationEvent
/// that output it leads to its inputs as they were at the transformation; an aggregation or transaction that packed it as the
/// parent (ADD, OBSERVE) leads to its contents as they were then (less those a DELETE took out before the root's time).
/// Breadth first, so the shortest path to a place is found first; an identifier is followed once per point in time (a cycle
/// in the data ends there); at most <see cref="ChainLimits"/> steps, identifiers and events.
/// </summary>
public static class EpcisChain
{
    /// <summary>The root id of a shipping event: its evidence id, <c>epcis:&lt;eventID&gt;</c>.</summary>
    public const string EventRoot = "epcis:";

    private const int Chunk = 1000;

    private sealed record Node(string Epc, DateTime UpTo, int Depth)
    {
        public List<(Node Downstream, ChainStep Step)> Leads { get; } = [];
        public HashSet<string> Roots { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Traces the roots' goods back; the places found are those that read as GLNs, for the caller to judge.</summary>
    public static async Task<ChainTrace> TraceAsync(IReadOnlyList<ChainRoot> roots, EventsNaming eventsNaming, ChainLimits limits)
    {
        var nodes = new Dictionary<(string, DateTime), Node>();
        var frontier = new List<Node>();
        foreach (var root in roots)
        {
            foreach (var epc in root.Epcs.Distinct(StringComparer.Ordinal))
            {
                if (!nodes.TryGetValue((epc, root.UpTo), out var node))
                {
                    node = new Node(epc, root.UpTo, 0);
                    nodes.Add((epc, root.UpTo), node);
                    frontier.Add(node);
                }
                node.Roots.Add(root.RootId);
            }
        }
        var cut = false;
        var eventsRead = 0;
        var found = new List<(Node Node, ChainEvent Event, ChainPlace Place)>();
        while (frontier.Count > 0)
        {
            if (nodes.Count > limits.MaxEpcs)
            {
                cut = true;
                frontier = frontier.Take(Math.Max(0, limits.MaxEpcs - (nodes.Count - frontier.Count))).ToList();
            }
            var events = new Dictionary<string, ChainEvent>(StringComparer.Ordinal);
            foreach (var chunk in frontier.Chunk(Chunk))
            {
                var limit = limits.MaxEvents - eventsRead;
                if (limit <= 0)
                {
                    cut = true;
                    break;
                }
                var read = await eventsNaming(chunk.Select(n => n.Epc).Distinct(StringComparer.Ordinal).ToList(), limit);
                cut |= read.Count >= limit;
                eventsRead += read.Count;
                foreach (var e in read)
                {
                    events.TryAdd(e.EpcisEventId, e);
                }
            }
            var naming = events.Values.SelectMany(e => e.Goods.Select(g => (g, e))).ToLookup(x => x.g.Epc, StringComparer.Ordinal);
            var next = new List<Node>();
            foreach (var node in frontier)
            {
                var seen = naming[node.Epc].Where(x => x.e.EventTime <= node.UpTo).OrderBy(x => x.e.EventTime).ThenBy(x => x.e.EpcisEventId, StringComparer.Ordinal).ToList();
                var last = seen.Count > 0 ? seen[^1].e.EventTime : DateTime.MinValue;
                foreach (var (goods, e) in seen)
                {
                    foreach (var place in e.Places)
                    {
                        // Where goods were shipped to is downstream of the shipment, unless they were named again after it.
                        if (place.Role != ChainPlace.Destination || !e.IsShipping || e.EventTime < last)
                        {
                            found.Add((node, e, place));
                        }
                    }
                    if (node.Depth >= limits.MaxDepth)
                    {
                        cut |= e.EventType == "TransformationEvent" && goods.Role == GoodsRole.Output || e.Contains && goods.Role == GoodsRole.Parent;
                        continue;
                    }
                    IEnumerable<ChainGoods> upstream = [];
                    string relation = "";
                    if (e.EventType == "TransformationEvent" && goods.Role == GoodsRole.Output)
                    {
                        upstream = e.Goods.Where(g => g.Role == GoodsRole.Input);
                        relation = "transformed into";
                    }
                    else if (e.Contains && goods.Role == GoodsRole.Parent)
                    {
                        var takenOut = Unpacked(seen.Select(s => s.e), node.Epc, e.EventTime);
                        upstream = takenOut is null ? [] : e.Goods.Where(g => g.Role == GoodsRole.Child && !takenOut.Contains(g.Epc));
                        relation = "packed into";
                    }
                    foreach (var input in upstream)
                    {
                        var key = (input.Epc, e.EventTime);
                        var step = new ChainStep(input.Epc, e, string.Create(CultureInfo.InvariantCulture,
                            $"{relation} {node.Epc} on {e.EventTime:yyyy-MM-dd} ({e.EventType} {e.EpcisEventId})"));
                        if (!nodes.TryGetValue(key, out var upstreamNode))
                        {
                            upstreamNode = new Node(input.Epc, e.EventTime, node.Depth + 1);
                            nodes.Add(key, upstreamNode);
                            next.Add(upstreamNode);
                        }
                        if (!upstreamNode.Leads.Any(l => l.Downstream == node))
                        {
                            upstreamNode.Leads.Add((node, step));
                        }
                    }
                }
            }
            frontier = next;
        }
        var visits = new List<ChainVisit>();
        foreach (var (node, e, place) in found)
        {
            foreach (var (rootId, path) in PathsToRoots(node))
            {
                visits.Add(new ChainVisit(rootId, node.Epc, place, e, path));
            }
        }
        return new ChainTrace(visits, cut);
    }

    // The contents a DELETE took out of the container after it was packed and before the time looked at (null: all of them).
    private static HashSet<string>? Unpacked(IEnumerable<ChainEvent> containerEvents, string container, DateTime packedAt)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in containerEvents.Where(e => e.EventTime > packedAt && e.EventType is "AggregationEvent" or "TransactionEvent" && e.Action == "DELETE"
            && e.Goods.Any(g => g.Role == GoodsRole.Parent && g.Epc == container)))
        {
            var children = e.Goods.Where(g => g.Role == GoodsRole.Child).ToList();
            if (children.Count == 0)
            {
                return null;
            }
            taken.UnionWith(children.Select(g => g.Epc));
        }
        return taken;
    }

    // The shortest path from a node down to each root that reaches it: the steps, nearest the place first.
    private static IEnumerable<(string RootId, IReadOnlyList<ChainStep> Path)> PathsToRoots(Node start)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<(Node Node, List<ChainStep> Path)>();
        var walked = new HashSet<Node>();
        queue.Enqueue((start, []));
        while (queue.Count > 0)
        {
            var (node, path) = queue.Dequeue();
            if (!walked.Add(node))
            {
                continue;
            }
            foreach (var root in node.Roots.Where(done.Add))
            {
                yield return (root, path);
            }
            foreach (var (downstream, step) in node.Leads)
            {
                queue.Enqueue((downstream, [.. path, step]));
            }
        }
    }

    /// <summary>
    /// From identifiers an event named late, forward to what was made of them or packed with them later, to the roots they
    /// reach (shipping events, shipments naming them) whose trace may now find more; at most the limits' identifiers and depth.
    /// </summary>
    public static async Task<IReadOnlyList<string>> RootsDownstreamAsync(IReadOnlyList<(string Epc, DateTime From)> start, EventsNaming eventsNaming,
        Func<IReadOnlyCollection<string>, Task<IReadOnlyList<(string RootId, string Epc, DateTime UpTo)>>> shipmentsNaming, ChainLimits limits)
    {
        var from = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        var frontier = new List<(string Epc, DateTime From)>();
        foreach (var (epc, at) in start)
        {
            if (!from.TryGetValue(epc, out var known) || at < known)
            {
                from[epc] = at;
            }
        }
        frontier.AddRange(from.Select(f => (f.Key, f.Value)));
        var roots = new List<string>();
        var eventsRead = 0;
        for (var depth = 0; frontier.Count > 0 && depth <= limits.MaxDepth && eventsRead < limits.MaxEvents; depth++)
        {
            var next = new List<(string, DateTime)>();
            foreach (var chunk in frontier.Chunk(Chunk))
            {
                var epcs = chunk.Select(c => c.Epc).Distinct(StringComparer.Ordinal).ToList();
                var events = await eventsNaming(epcs, Math.Max(1, limits.MaxEvents - eventsRead));
                eventsRead += events.Count;
                var after = chunk.GroupBy(c => c.Epc, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Min(c => c.From), StringComparer.Ordinal);
                foreach (var e in events)
                {
                    foreach (var goods in e.Goods.Where(g => after.TryGetValue(g.Epc, out var at) && e.EventTime >= at))
                    {
                        if (e.IsShipping)
                        {
                            roots.Add(EventRoot + e.EpcisEventId);
                        }
                        var downstream = e.EventType == "TransformationEvent" && goods.Role == GoodsRole.Input ? e.Goods.Where(g => g.Role == GoodsRole.Output)
                            : e.Contains && goods.Role == GoodsRole.Child ? e.Goods.Where(g => g.Role == GoodsRole.Parent)
                            : [];
                        foreach (var made in downstream)
                        {
                            if ((!from.TryGetValue(made.Epc, out var known) || e.EventTime < known) && from.Count < limits.MaxEpcs)
                            {
                                from[made.Epc] = e.EventTime;
                                next.Add((made.Epc, e.EventTime));
                            }
                        }
                    }
                }
                foreach (var (rootId, epc, upTo) in await shipmentsNaming(epcs))
                {
                    if (upTo >= after[epc])
                    {
                        roots.Add(rootId);
                    }
                }
            }
            frontier = next;
        }
        return roots.Distinct(StringComparer.Ordinal).ToList();
    }
}
