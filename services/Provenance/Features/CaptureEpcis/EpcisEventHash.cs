using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Traceability.Provenance.Gs1;

namespace Traceability.Provenance.Features.CaptureEpcis;

/// <summary>
/// GS1's EPCIS Event Hash ID (CBV 2.0 §8.9): <c>ni:///sha-256;&lt;hex&gt;?ver=CBV2.0</c> over the
/// event's canonical pre-hash string, so that the same event gets the same id in every conforming
/// repository, whichever way it was written. The pre-hash string is the event's fields in GS1's
/// canonical order, each <c>name=value</c> with no separators; lists are sorted; CURIEs, bare CBV
/// words and CBV URNs become GS1 web URIs; EPC URIs and Digital Link URIs become canonical
/// <c>https://id.gs1.org/…</c> URIs; times are UTC with milliseconds; numbers lose trailing zeros;
/// extension fields are named <c>{namespace}local</c> and come last, sorted, at the level they
/// extend. eventID, recordTime, errorDeclaration and comments are not part of the event's identity.
/// Checked against the reference implementation's vectors (RalphTro/epcis-event-hash-generator).
/// </summary>
internal static partial class EpcisEventHash
{
    /// <summary>The event's hash id; <paramref name="context"/> is the document's @context when the event has none of its own.</summary>
    public static string Id(JsonElement @event, JsonElement? context = null, IReadOnlyCollection<string>? ignoredFields = null) =>
        IdOf(PreHash(@event, context, ignoredFields));

    /// <summary>The hash id of a pre-hash string: SHA-256 of its UTF-8 bytes as an RFC 6920 named-information URI.</summary>
    public static string IdOf(string preHash) =>
        $"ni:///sha-256;{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(preHash)))}?ver=CBV2.0";

    /// <summary>
    /// The canonical pre-hash string. <paramref name="ignoredFields"/> names further event fields (as
    /// written, e.g. <c>ex:captureID</c>) that a repository agreed to leave out of the identity.
    /// </summary>
    public static string PreHash(JsonElement @event, JsonElement? context = null, IReadOnlyCollection<string>? ignoredFields = null)
    {
        var namespaces = Namespaces(@event.TryGetProperty("@context", out var own) ? own : context);
        var fields = new List<Field>();
        foreach (var property in @event.EnumerateObject())
        {
            if (!NotIdentity.Contains(property.Name) && ignoredFields?.Contains(property.Name) != true)
            {
                fields.AddRange(Fields(property.Name, property.Value, "", namespaces));
            }
        }
        var type = @event.TryGetProperty("type", out var t) ? t.GetString() : null;
        var ordered = Ordered(fields, EventOrder, nested: false);
        var rest = fields.Where(f => !EventOrder.Any(o => o.Name == f.Name)).ToList();
        return $"eventType={type}{ordered}{Generic(rest)}";
    }

    /// <summary>One field of the event as GS1's model sees it: a name, a value, and child fields (XML's shape, which JSON flattens).</summary>
    private sealed record Field(string Name, string Value, IReadOnlyList<Field> Children)
    {
        /// <summary>A business transaction, source or destination: its type, then its id, in that order and without a name of its own.</summary>
        public bool IsTypedPair { get; init; }
    }

    private sealed record Order(string Name, IReadOnlyList<Order>? Children = null);

    private static readonly IReadOnlyList<Order> QuantityElement = [new("quantityElement", [new("epcClass"), new("quantity"), new("uom")])];
    private static readonly IReadOnlyList<Order> Epc = [new("epc")];

    /// <summary>The canonical property order (CBV 2.0 §8.9.2). Business transactions, sources, destinations, ilmd and extensions follow, sorted.</summary>
    private static readonly IReadOnlyList<Order> EventOrder =
    [
        new("eventTime"), new("eventTimeZoneOffset"), new("certificationInfo"), new("parentID"),
        new("epcList", Epc), new("inputEPCList", Epc), new("childEPCs", Epc),
        new("quantityList", QuantityElement), new("childQuantityList", QuantityElement), new("inputQuantityList", QuantityElement),
        new("outputEPCList", Epc), new("outputQuantityList", QuantityElement),
        new("action"), new("transformationID"), new("bizStep"), new("disposition"),
        new("persistentDisposition", [new("set"), new("unset")]),
        new("readPoint", [new("id")]), new("bizLocation", [new("id")]),
        new("sensorElementList",
        [
            new("sensorElement",
            [
                new("sensorMetadata",
                [
                    new("time"), new("startTime"), new("endTime"), new("deviceID"), new("deviceMetadata"), new("rawData"),
                    new("dataProcessingMethod"), new("bizRules"),
                ]),
                new("sensorReport",
                [
                    new("type"), new("exception"), new("deviceID"), new("deviceMetadata"), new("rawData"), new("dataProcessingMethod"),
                    new("time"), new("microorganism"), new("chemicalSubstance"), new("value"), new("component"), new("stringValue"),
                    new("booleanValue"), new("hexBinaryValue"), new("uriValue"), new("minValue"), new("maxValue"), new("meanValue"),
                    new("sDev"), new("percRank"), new("percValue"), new("uom"), new("coordinateReferenceSystem"),
                ]),
            ]),
        ]),
    ];

    /// <summary>Fields that say where and when a repository stored the event, or how it was corrected, not what happened.</summary>
    private static readonly IReadOnlySet<string> NotIdentity = new HashSet<string>(StringComparer.Ordinal)
    {
        "type", "eventID", "recordTime", "errorDeclaration", "@context",
    };

    private static readonly IReadOnlySet<string> Comments = new HashSet<string>(StringComparer.Ordinal) { "comment", "rdfs:comment" };

    /// <summary>Where JSON may use a bare word, the web vocabulary it stands for (the standard EPCIS @context's scoped terms).</summary>
    private static readonly IReadOnlyDictionary<string, string> BareWords = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["bizStep"] = "https://ref.gs1.org/cbv/BizStep-",
        ["disposition"] = "https://ref.gs1.org/cbv/Disp-",
        ["persistentDisposition.set"] = "https://ref.gs1.org/cbv/Disp-",
        ["persistentDisposition.unset"] = "https://ref.gs1.org/cbv/Disp-",
        ["bizTransactionList.type"] = "https://ref.gs1.org/cbv/BTT-",
        ["sourceList.type"] = "https://ref.gs1.org/cbv/SDT-",
        ["destinationList.type"] = "https://ref.gs1.org/cbv/SDT-",
        ["sensorElementList.sensorReport.type"] = "https://gs1.org/voc/",
        ["sensorElementList.sensorReport.exception"] = "https://gs1.org/voc/",
        ["sensorElementList.sensorReport.component"] = "https://ref.gs1.org/cbv/Comp-",
    };

    /// <summary>The prefixes of the standard EPCIS 2.0 @context, which every EPCIS document includes.</summary>
    private static readonly IReadOnlyDictionary<string, string> StandardPrefixes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["epcis"] = "https://ref.gs1.org/epcis/", ["cbv"] = "https://ref.gs1.org/cbv/", ["cbvmda"] = "urn:epcglobal:cbv:mda:",
        ["gs1"] = "https://gs1.org/voc/", ["rdfs"] = "http://www.w3.org/2000/01/rdf-schema#", ["owl"] = "http://www.w3.org/2002/07/owl#",
        ["xsd"] = "http://www.w3.org/2001/XMLSchema#", ["dcterms"] = "http://purl.org/dc/terms/",
    };

    private static Dictionary<string, string> Namespaces(JsonElement? context)
    {
        var namespaces = new Dictionary<string, string>(StandardPrefixes, StringComparer.Ordinal);
        if (context is { } c)
        {
            foreach (var item in c.ValueKind == JsonValueKind.Array ? c.EnumerateArray().ToList() : [c])
            {
                if (item.ValueKind == JsonValueKind.Object)
                {
                    foreach (var term in item.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String))
                    {
                        namespaces[term.Name] = term.Value.GetString()!;
                    }
                }
            }
        }
        return namespaces;
    }

    /// <summary>
    /// The fields one JSON property stands for. JSON writes a list as an array under the list's name
    /// (<c>epcList: [..]</c>); GS1's model has the list with one named child per element
    /// (<c>epcList</c> → <c>epc</c>, <c>quantityList</c> → <c>quantityElement</c>).
    /// </summary>
    private static IEnumerable<Field> Fields(string key, JsonElement value, string parentPath, Dictionary<string, string> namespaces)
    {
        if (Comments.Contains(key) || key.StartsWith('@') || key == "#text" || value.ValueKind == JsonValueKind.Null)
        {
            yield break;
        }
        var name = ExpandName(key, namespaces);
        var path = parentPath.Length == 0 ? key : $"{parentPath}.{key}";
        var isList = key.EndsWith("List", StringComparison.Ordinal) || key == "childEPCs";
        if (isList)
        {
            var items = value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToList() : [value];
            if (items.Count > 0)
            {
                var element = ElementName(key);
                var typedPair = key is "bizTransactionList" or "sourceList" or "destinationList";
                yield return new Field(name, "", items.Select(i => typedPair ? TypedPair(key, i, path, namespaces) : One(element, i, path, namespaces)).ToList());
            }
        }
        else if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
            {
                yield return One(name, item, path, namespaces);
            }
        }
        else
        {
            yield return One(name, value, path, namespaces);
        }
    }

    private static Field One(string name, JsonElement value, string path, Dictionary<string, string> namespaces) => value.ValueKind switch
    {
        JsonValueKind.Object => new Field(
            name is "inputQuantity" or "outputQuantity" or "childQuantity" or "quantity" ? "quantityElement" : name,
            value.TryGetProperty("#text", out var text) ? Scalar(text, path, namespaces) : "",
            value.EnumerateObject().SelectMany(p => Fields(p.Name, p.Value, path, namespaces)).ToList()),
        JsonValueKind.Array => new Field(name, "", []),
        _ => new Field(name, Scalar(value, path, namespaces), []),
    };

    private static Field TypedPair(string list, JsonElement item, string path, Dictionary<string, string> namespaces)
    {
        var idName = list[..^"List".Length];
        var children = new List<Field>();
        if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("type", out var type))
        {
            children.Add(new Field("type", Scalar(type, $"{path}.type", namespaces), []));
        }
        if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty(idName, out var id))
        {
            children.Add(new Field(idName, Scalar(id, $"{path}.{idName}", namespaces), []));
        }
        return new Field("", "", children) { IsTypedPair = true };
    }

    private static string ElementName(string list) => list switch
    {
        "childEPCs" or "inputEPCList" or "outputEPCList" => "epc",
        "quantityList" or "childQuantityList" or "inputQuantityList" or "outputQuantityList" => "quantityElement",
        _ => list[..^"List".Length],
    };

    private static string Scalar(JsonElement value, string path, Dictionary<string, string> namespaces)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.True => "True",
            JsonValueKind.False => "False",
            _ => value.GetRawText(),
        };
        if (value.ValueKind == JsonValueKind.String && BareWords.TryGetValue(path, out var vocabulary) && !text.Contains(':', StringComparison.Ordinal))
        {
            return vocabulary + text.Trim();
        }
        return ExpandValue(text, namespaces);
    }

    /// <summary>ex:field → {https://ns.example.com/epcis/}field: an extension is named by its namespace, not by the prefix a document chose.</summary>
    private static string ExpandName(string key, Dictionary<string, string> namespaces)
    {
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && namespaces.TryGetValue(key[..colon], out var ns) ? $"{{{ns}}}{key[(colon + 1)..]}" : key;
    }

    /// <summary>A CURIE value (cbv:BizStep-receiving, gs1:Temperature, ex:thing) becomes its full URI.</summary>
    private static string ExpandValue(string text, Dictionary<string, string> namespaces)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && namespaces.TryGetValue(text[..colon], out var ns) ? ns + text[(colon + 1)..] : text;
    }

    private static string Ordered(IReadOnlyList<Field> fields, IReadOnlyList<Order> order, bool nested)
    {
        var text = new StringBuilder();
        foreach (var item in order)
        {
            var parts = fields.Where(f => f.Name == item.Name).Select(f => OrderedField(f, item)).Where(p => p.Length > 0).Order(StringComparer.Ordinal);
            foreach (var part in parts)
            {
                text.Append(part);
            }
        }
        if (nested)
        {
            // Extensions of readPoint, bizLocation, sensorElement, sensorMetadata and sensorReport close their parent.
            text.Append(Generic(fields.Where(f => f.Name.StartsWith('{')).ToList()));
        }
        return text.ToString();
    }

    private static string OrderedField(Field field, Order order)
    {
        var value = field.Value.Trim();
        if (value.Length > 0)
        {
            value = "=" + (IsTime(field.Name) ? Timestamp(value) : Canonical(value));
        }
        var children = order.Children is null ? "" : Ordered(field.Children, order.Children, nested: true);
        return value.Length > 0 || children.Length > 0 ? field.Name + value + children : "";
    }

    /// <summary>Fields without a canonical place (ilmd, extensions, typed lists): each written whole, then sorted.</summary>
    private static string Generic(IReadOnlyList<Field> fields)
    {
        var parts = fields.Select(f =>
        {
            if (f.IsTypedPair)
            {
                return string.Concat(f.Children.Select(c => c.Name + Value(c.Value)));
            }
            return f.Name + Value(f.Value) + Generic(f.Children);
        }).ToList();
        return string.Concat(parts.Order(StringComparer.Ordinal));

        static string Value(string value) => value.Trim() is { Length: > 0 } text ? "=" + Canonical(text) : "";
    }

    private static bool IsTime(string name) =>
        name.Contains("time", StringComparison.OrdinalIgnoreCase) && !name.Contains("offset", StringComparison.OrdinalIgnoreCase);

    /// <summary>A value in its canonical form: CBV URNs as web URIs, numbers without trailing zeros, GS1 identifiers as canonical Digital Link URIs.</summary>
    internal static string Canonical(string value)
    {
        var text = !value.Contains("urn:epcglobal:cbv:", StringComparison.Ordinal) ? value : value
            .Replace("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-", StringComparison.Ordinal)
            .Replace("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-", StringComparison.Ordinal)
            .Replace("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-", StringComparison.Ordinal)
            .Replace("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-", StringComparison.Ordinal)
            .Replace("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-", StringComparison.Ordinal);
        if (text is [>= '0' and <= '9' or '+' or '-' or '.', ..] && Number().IsMatch(text)
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            text = Math.Floor(number) == number
                ? new BigInteger(number).ToString(CultureInfo.InvariantCulture)
                : number.ToString("R", CultureInfo.InvariantCulture).ToLowerInvariant();
        }
        return DigitalLink.Canonical(text) ?? text;
    }

    /// <summary>UTC, millisecond precision, 'Z': the third decimal rounds up when the fourth is 5–9 (CBV 2.0 §8.9.2).</summary>
    internal static string Timestamp(string value)
    {
        if (Iso8601().Match(value) is not { Success: true } m)
        {
            return value;
        }
        var fraction = m.Groups["fraction"].Value.PadRight(4, '0');
        var milliseconds = int.Parse(fraction[..3], CultureInfo.InvariantCulture) + (fraction[3] >= '5' ? 1 : 0);
        var offset = TimeSpan.Zero;
        if (m.Groups["offset"].Value is ['+' or '-', .. var hours] given)
        {
            if (!TimeSpan.TryParseExact(hours, @"hh\:mm", CultureInfo.InvariantCulture, out offset))
            {
                return value;
            }
            offset = given[0] == '-' ? -offset : offset;
        }
        if (!DateTime.TryParseExact(m.Groups["seconds"].Value, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return value;
        }
        // A time at the very edge of the calendar that UTC would push past it is left as written rather than failing the capture.
        var ticks = local.Ticks + milliseconds * TimeSpan.TicksPerMillisecond - offset.Ticks;
        return ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks
            ? value
            : new DateTime(ticks, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^(?<seconds>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.(?<fraction>\d+))?(?<offset>Z|[+-]\d{2}:\d{2})?$")]
    private static partial Regex Iso8601();

    [GeneratedRegex(@"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")]
    private static partial Regex Number();
}
