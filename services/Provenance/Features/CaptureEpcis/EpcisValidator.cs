using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Traceability.Provenance.Features.CaptureEpcis;

/// <summary>One thing wrong with a captured document: which event (or none), which field, why.</summary>
public sealed record EpcisError(int? EventIndex, string Field, string Message);

/// <summary>
/// Validates EPCIS 2.0 JSON: first against GS1's JSON schema (with JsonSchema.Net, formats checked),
/// then the rules a schema cannot express — CBV bizStep and disposition words, extension fields whose
/// namespace prefix must be declared in <c>@context</c>, ilmd keys, and per-event-type requirements.
/// </summary>
public sealed partial class EpcisValidator
{
    private static readonly HashSet<string> StandardFields = new(StringComparer.Ordinal)
    {
        "@context", "type", "eventID", "eventTime", "eventTimeZoneOffset", "recordTime", "errorDeclaration", "certificationInfo",
        "epcList", "quantityList", "action", "bizStep", "disposition", "persistentDisposition", "readPoint", "bizLocation",
        "bizTransactionList", "sourceList", "destinationList", "sensorElementList", "ilmd", "parentID", "childEPCs",
        "childQuantityList", "inputEPCList", "inputQuantityList", "outputEPCList", "outputQuantityList", "transformationID",
    };

    // Prefixes the standard EPCIS 2.0 context (epcis-context.jsonld) declares for every document.
    private static readonly string[] StandardPrefixes = ["epcis", "cbv", "cbvmda", "gs1", "rdfs", "owl", "xsd", "dcterms"];

    private readonly JsonSchema _schema;
    // Valid documents are the common case: a flag-only pass answers them cheaply; only an invalid
    // document is evaluated again with the full hierarchy to say where it is wrong.
    private readonly EvaluationOptions _quick = new() { OutputFormat = OutputFormat.Flag, RequireFormatValidation = true };
    private readonly EvaluationOptions _options = new() { OutputFormat = OutputFormat.Hierarchical, RequireFormatValidation = true };

    // RFC 3339's grammar allows offsets to ±23:59, which no clock uses and .NET cannot represent: every
    // date-time in a document (eventTime, creationDate, declarationTime, sensor times...) must also be
    // an instant with an offset from -14:00 to +14:00, or parsing it later would fail. (The options'
    // registry falls through to JsonSchema.Net's global one, which this replaces for the process:
    // EPCIS validation is its only user.)
    private static readonly Format StrictDateTime = new PredicateFormat("date-time", element =>
        element.ValueKind != JsonValueKind.String
        || (Formats.DateTime.Validate(element, out _)
            && DateTimeOffset.TryParse(element.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out _)));

    // EPCIS 2.0 JSON-LD: a document or event names GS1's EPCIS context, or its terms mean nothing.
    [GeneratedRegex(@"^https://ref\.gs1\.org/standards/epcis/(?:2\.\d+\.\d+/)?epcis-context\.jsonld$")]
    private static partial Regex StandardContext();

    public EpcisValidator()
    {
        using var stream = typeof(EpcisValidator).Assembly.GetManifestResourceStream("Epcis/EPCIS-JSON-Schema.json")
            ?? throw new InvalidOperationException("The EPCIS JSON schema is not embedded.");
        using var reader = new StreamReader(stream);
        _schema = JsonSchema.FromText(reader.ReadToEnd());
        _quick.FormatRegistry.Register(StrictDateTime);
        _options.FormatRegistry.Register(StrictDateTime);
    }

    /// <summary>Every error in an EPCISDocument; empty when it is valid.</summary>
    public IReadOnlyList<EpcisError> ValidateDocument(JsonElement document)
    {
        var errors = SchemaErrors(document, "").ToList();
        if (document.ValueKind == JsonValueKind.Object && document.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
            && type.GetString() != "EPCISDocument")
        {
            errors.Add(new EpcisError(null, "type", "The capture interface takes an EPCISDocument."));
        }
        var prefixes = ContextPrefixes(document);
        if (document.ValueKind == JsonValueKind.Object && !NamesStandardContext(document))
        {
            errors.Add(new EpcisError(null, "@context", "An EPCIS document's @context includes https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld."));
        }
        if (Events(document) is { } events)
        {
            var index = 0;
            foreach (var item in events.EnumerateArray())
            {
                errors.AddRange(RuleErrors(item, index++, prefixes));
            }
        }
        return Distinct(errors);
    }

    /// <summary>Every error in a single event posted on its own (it carries its own @context).</summary>
    public IReadOnlyList<EpcisError> ValidateEvent(JsonElement item)
    {
        var errors = SchemaErrors(item, "").Select(e => e with { EventIndex = 0 }).ToList();
        if (item.ValueKind == JsonValueKind.Object && !NamesStandardContext(item))
        {
            errors.Add(new EpcisError(0, "@context", "An event posted on its own carries a @context that includes https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld."));
        }
        errors.AddRange(RuleErrors(item, 0, ContextPrefixes(item)));
        return Distinct(errors);
    }

    public static JsonElement? Events(JsonElement document) =>
        document.ValueKind == JsonValueKind.Object
        && document.TryGetProperty("epcisBody", out var body) && body.ValueKind == JsonValueKind.Object
        && body.TryGetProperty("eventList", out var list) && list.ValueKind == JsonValueKind.Array
            ? list
            : null;

    private IEnumerable<EpcisError> SchemaErrors(JsonElement instance, string prefix)
    {
        if (_schema.Evaluate(instance, _quick).IsValid)
        {
            return [];
        }
        return Failures(_schema.Evaluate(instance, _options), prefix);
    }

    // Only failing nodes are followed: a branch that failed under an anyOf/oneOf/if that as a whole
    // held is not the document's fault, and reporting it would bury the real error.
    private static IEnumerable<EpcisError> Failures(EvaluationResults node, string prefix)
    {
        if (node.IsValid || node.EvaluationPath.ToString().EndsWith("/if", StringComparison.Ordinal))
        {
            yield break;
        }
        if (node.Errors is { Count: > 0 } errors)
        {
            var (index, field) = Locate(prefix + node.InstanceLocation);
            foreach (var (keyword, message) in errors)
            {
                // "Required properties ["action"] are not present": name the missing field itself.
                var missing = keyword == "required" && message.IndexOf('[', StringComparison.Ordinal) is var open and >= 0
                    ? message[(open + 1)..message.IndexOf(']', open)].Replace("\"", "", StringComparison.Ordinal)
                    : null;
                yield return new EpcisError(index, missing is null ? field : field == "$" ? missing : $"{field}.{missing}", $"{message} ({keyword})");
            }
        }
        foreach (var child in node.Details ?? [])
        {
            foreach (var failure in Failures(child, prefix))
            {
                yield return failure;
            }
        }
    }

    /// <summary>
    /// The longest identifier, business step, disposition, location or EPC stored: the width of their
    /// columns (provenance.epcis_event, epcis_event_epc). Longer values are refused at capture, never
    /// cut or left unindexed.
    /// </summary>
    public const int IdentifierLimit = 400;

    /// <summary>
    /// The longest eventID: it is also the record id of the event's hash-chain link (chain_link.record_id,
    /// 200 characters). URN UUIDs and GS1 hash ids are under 100.
    /// </summary>
    public const int EventIdLimit = 200;

    /// <summary>
    /// Event times an event may have: from 1900 (every engine's date types and the query's open lower end
    /// hold it) to before 9999-12-30 (the query's open upper end). An event outside is refused at capture
    /// rather than stored where no query finds it.
    /// </summary>
    public static readonly DateTime EarliestEventTime = new(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <inheritdoc cref="EarliestEventTime"/>
    public static readonly DateTime LatestEventTime = new(9999, 12, 30, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The members of an event that list EPCs (capture stores them; limits check them).</summary>
    internal static readonly string[] EpcLists = ["epcList", "childEPCs", "inputEPCList", "outputEPCList"];

    /// <summary>The members of an event that list quantities of EPC classes.</summary>
    internal static readonly string[] QuantityLists = ["quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"];

    // What the JSON schema cannot say but storage and the standard need: lengths within the columns,
    // event times a query can find, UTC offsets that exist (−14:00 to +14:00, ISO 8601 / EPCIS 2.0 §7.3.6),
    // and quantities that are positive decimals (EPCIS 2.0 §7.3.3.3: how much of the class was observed).
    private static IEnumerable<EpcisError> LimitErrors(JsonElement item, int index)
    {
        if (Text(item, "eventID") is { Length: > EventIdLimit })
        {
            yield return new EpcisError(index, "eventID", $"At most {EventIdLimit} characters.");
        }
        foreach (var name in new[] { "bizStep", "disposition", "parentID" })
        {
            if (Text(item, name) is { Length: > IdentifierLimit })
            {
                yield return new EpcisError(index, name, $"At most {IdentifierLimit} characters.");
            }
        }
        foreach (var name in new[] { "readPoint", "bizLocation" })
        {
            if (item.TryGetProperty(name, out var place) && place.ValueKind == JsonValueKind.Object && Text(place, "id") is { Length: > IdentifierLimit })
            {
                yield return new EpcisError(index, $"{name}.id", $"At most {IdentifierLimit} characters.");
            }
        }
        foreach (var list in EpcLists)
        {
            if (item.TryGetProperty(list, out var epcs) && epcs.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var epc in epcs.EnumerateArray())
                {
                    if (epc.ValueKind == JsonValueKind.String && epc.GetString()!.Length > IdentifierLimit)
                    {
                        yield return new EpcisError(index, $"{list}[{i}]", $"An EPC has at most {IdentifierLimit} characters.");
                    }
                    i++;
                }
            }
        }
        foreach (var list in QuantityLists)
        {
            if (item.TryGetProperty(list, out var quantities) && quantities.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var element in quantities.EnumerateArray())
                {
                    if (element.ValueKind == JsonValueKind.Object)
                    {
                        if (Text(element, "epcClass") is { Length: > IdentifierLimit })
                        {
                            yield return new EpcisError(index, $"{list}[{i}].epcClass", $"An EPC class has at most {IdentifierLimit} characters.");
                        }
                        if (element.TryGetProperty("quantity", out var quantity) && quantity.ValueKind == JsonValueKind.Number
                            && !(quantity.TryGetDecimal(out var amount) && amount > 0))
                        {
                            yield return new EpcisError(index, $"{list}[{i}].quantity", "A quantity is a positive decimal number (below 7.9E+28).");
                        }
                    }
                    i++;
                }
            }
        }
        if (Text(item, "eventTime") is { } eventTime)
        {
            if (!DateTimeOffset.TryParse(eventTime, CultureInfo.InvariantCulture, DateTimeStyles.None, out var when))
            {
                yield return new EpcisError(index, "eventTime", "An RFC 3339 date-time with a UTC offset from -14:00 to +14:00.");
            }
            else if (when.UtcDateTime < EarliestEventTime || when.UtcDateTime >= LatestEventTime)
            {
                yield return new EpcisError(index, "eventTime", "The event time is from 1900-01-01 to 9999-12-29 (UTC).");
            }
        }
        if (Text(item, "eventTimeZoneOffset") is { } offset && !OffsetPattern().IsMatch(offset))
        {
            yield return new EpcisError(index, "eventTimeZoneOffset", "A UTC offset from -14:00 to +14:00, e.g. +02:00.");
        }
    }

    [GeneratedRegex(@"^[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00)$")]
    private static partial Regex OffsetPattern();

    private static IEnumerable<EpcisError> RuleErrors(JsonElement item, int index, IReadOnlySet<string> documentPrefixes)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }
        foreach (var error in LimitErrors(item, index))
        {
            yield return error;
        }
        var prefixes = new HashSet<string>(documentPrefixes, StringComparer.Ordinal);
        prefixes.UnionWith(ContextPrefixes(item));
        var type = Text(item, "type");
        var action = Text(item, "action");

        if (Text(item, "bizStep") is { } bizStep && Cbv.BareWord(bizStep, "bizstep", "BizStep") is { } step && !Cbv.BizSteps.Contains(step))
        {
            yield return new EpcisError(index, "bizStep", $"'{bizStep}' is not a CBV 2.0 business step; use a CBV word (e.g. shipping) or a URI of your own.");
        }
        if (Text(item, "disposition") is { } disposition && Cbv.BareWord(disposition, "disp", "Disp") is { } word && !Cbv.Dispositions.Contains(word))
        {
            yield return new EpcisError(index, "disposition", $"'{disposition}' is not a CBV 2.0 disposition; use a CBV word (e.g. in_transit) or a URI of your own.");
        }
        foreach (var property in item.EnumerateObject())
        {
            if (!StandardFields.Contains(property.Name) && !IsNamespaced(property.Name, prefixes))
            {
                yield return new EpcisError(index, property.Name, "An extension field needs a namespace prefix declared in @context (e.g. example:field) or a full IRI.");
            }
        }
        if (item.TryGetProperty("ilmd", out var ilmd) && ilmd.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in ilmd.EnumerateObject().Where(p => !IsNamespaced(p.Name, prefixes)))
            {
                yield return new EpcisError(index, $"ilmd.{property.Name}", "An ilmd field needs a namespace prefix declared in @context or a full IRI.");
            }
            if (type == "ObjectEvent" && action != "ADD")
            {
                yield return new EpcisError(index, "ilmd", "ilmd belongs only to an ObjectEvent with action ADD.");
            }
        }
        switch (type)
        {
            case "ObjectEvent" when !NonEmpty(item, "epcList") && !NonEmpty(item, "quantityList") && !(NonEmpty(item, "sensorElementList") && item.TryGetProperty("readPoint", out _)):
                yield return new EpcisError(index, "epcList", "An ObjectEvent names what it observed: an epcList or a quantityList (or sensor data with a readPoint).");
                break;
            case "AggregationEvent" when action is "ADD" or "DELETE" && Text(item, "parentID") is null:
                yield return new EpcisError(index, "parentID", "An AggregationEvent with action ADD or DELETE needs a parentID.");
                break;
            case "TransformationEvent" when Text(item, "transformationID") is null
                && !((NonEmpty(item, "inputEPCList") || NonEmpty(item, "inputQuantityList")) && (NonEmpty(item, "outputEPCList") || NonEmpty(item, "outputQuantityList"))):
                yield return new EpcisError(index, "inputEPCList", "A TransformationEvent needs inputs and outputs, or a transformationID.");
                break;
        }
    }

    private static bool NamesStandardContext(JsonElement element) =>
        element.TryGetProperty("@context", out var context)
        && (context.ValueKind == JsonValueKind.Array ? context.EnumerateArray().ToList() : [context])
            .Any(entry => entry.ValueKind == JsonValueKind.String && StandardContext().IsMatch(entry.GetString()!));

    /// <summary>Prefixes declared by the objects of an @context (string entries are remote contexts).</summary>
    public static IReadOnlySet<string> ContextPrefixes(JsonElement element)
    {
        var prefixes = new HashSet<string>(StandardPrefixes, StringComparer.Ordinal);
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty("@context", out var context))
        {
            return prefixes;
        }
        IEnumerable<JsonElement> entries = context.ValueKind == JsonValueKind.Array ? context.EnumerateArray() : [context];
        foreach (var entry in entries.Where(e => e.ValueKind == JsonValueKind.Object))
        {
            foreach (var property in entry.EnumerateObject())
            {
                prefixes.Add(property.Name);
            }
        }
        return prefixes;
    }

    private static bool IsNamespaced(string name, IReadOnlySet<string> prefixes)
    {
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }
        var prefix = name[..colon];
        return prefixes.Contains(prefix) || prefix is "http" or "https" or "urn";
    }

    private static (int? Index, string Field) Locate(string pointer)
    {
        var parts = pointer.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
        if (parts.Count >= 3 && parts[0] == "epcisBody" && parts[1] == "eventList" && int.TryParse(parts[2], out var index))
        {
            return (index, parts.Count > 3 ? Path(parts.Skip(3)) : "$");
        }
        return (null, parts.Count == 0 ? "$" : Path(parts));
    }

    private static string Path(IEnumerable<string> parts) =>
        string.Concat(parts.Select((p, i) => int.TryParse(p, out _) ? $"[{p}]" : i == 0 ? p : "." + p));

    private static string? Text(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool NonEmpty(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0;

    private static List<EpcisError> Distinct(List<EpcisError> errors) => errors.Distinct().ToList();
}
