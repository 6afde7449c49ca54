using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Traceability.IntegrationTests.BadInput;

/// <summary>
/// One request the harness sends. <see cref="MustRefuse"/>: the value is wrong under any reading (NUL,
/// undecodable bytes, a member named twice, a number no decimal holds...), so the answer must be a 4xx
/// problem naming <see cref="Field"/> and nothing may be stored. Otherwise it is a probe (an empty string,
/// a value at a column's width, a removed member): accepted or refused, but never a 5xx, and a refusal
/// names the field.
/// </summary>
internal sealed record BadRequest(Operation Operation, string What, string? Field, bool MustRefuse, string Target, byte[]? Body, string? ContentType,
    IReadOnlyDictionary<string, string>? Headers = null, string? Method = null, string? Authorization = null)
{
    public override string ToString() => $"{Method ?? Operation.Method} {Target} [{What}]";
}

/// <summary>
/// The catalogue of bad values, applied to every operation of an OpenAPI document: each member of the
/// documented example body (and each documented member the example leaves out), each query and path
/// parameter, and the body as a whole.
/// </summary>
internal static partial class BadRequests
{
    private const string Hole = "@@hole@@";

    /// <summary>Every request for one operation. <paramref name="pathValues"/> fill path parameters so the route matches.</summary>
    public static IEnumerable<BadRequest> For(Operation operation, IReadOnlyDictionary<string, string> pathValues, IReadOnlyList<int> columnLimits,
        bool authenticated)
    {
        var path = FillPath(operation.Path, pathValues, null, null);
        if (authenticated)
        {
            foreach (var request in CredentialRequests(operation, path))
            {
                yield return request;
            }
        }
        foreach (var request in PathParameterRequests(operation, pathValues))
        {
            yield return request;
        }
        foreach (var request in QueryRequests(operation, path))
        {
            yield return request;
        }
        foreach (var request in HeaderRequests(operation, path))
        {
            yield return request;
        }
        if (operation.TakesBody && operation.Example is not null && TakesForm(operation))
        {
            foreach (var request in FormRequests(operation, path))
            {
                yield return request;
            }
        }
        else if (operation.TakesBody && operation.Example is { } example)
        {
            foreach (var request in WholeBodyRequests(operation, path))
            {
                yield return request;
            }
            if (TakesJson(operation))
            {
                foreach (var request in MemberRequests(operation, path, example, columnLimits))
                {
                    yield return request;
                }
            }
        }
        if (operation.Method == "GET")
        {
            // HTTP requires HEAD wherever GET is supported (RFC 9110 §9.3.2).
            yield return new BadRequest(operation, "HEAD", null, false, path, null, null, Method: "HEAD");
        }
    }

    /// <summary>The example as sent: the proof that the example is valid, so that a refusal of a variant is about the variant.</summary>
    public static BadRequest Valid(Operation operation, IReadOnlyDictionary<string, string> pathValues) =>
        new(operation, "the documented example", null, false, FillPath(operation.Path, pathValues, null, null), ExampleBody(operation), operation.MediaType);

    /// <summary>Whether the body is JSON; a text body (a CSV file) documents its example as one JSON string and has no members.</summary>
    private static bool TakesJson(Operation operation) => operation.MediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) ?? false;

    private static string ExampleText(Operation operation) =>
        !TakesJson(operation) && operation.Example is JsonValue text && text.GetValueKind() == System.Text.Json.JsonValueKind.String
            ? text.GetValue<string>()
            : operation.Example?.ToJsonString() ?? "{}";

    private static byte[] ExampleBody(Operation operation) => Encoding.UTF8.GetBytes(ExampleText(operation));

    // Auth tricks on an operation that needs a credential: with an otherwise valid request, each must be refused (401).
    private static IEnumerable<BadRequest> CredentialRequests(Operation operation, string path)
    {
        var body = operation.TakesBody ? ExampleBody(operation) : null;
        foreach (var (what, authorization) in new[]
        {
            ("no credential", ""), ("Bearer without a token", "Bearer"), ("a 10,000-character token", "Bearer " + new string('a', 10_000)),
            ("an unknown key", "Bearer trc_ABCDEFGHJKLM_" + new string('x', 32)), ("Basic credentials", "Basic dXNlcjpwYXNzd29yZA=="),
            ("a key with a NUL", "Bearer trc_ABCDEFGHJKLM_%00" + new string('x', 29)),
        })
        {
            yield return new BadRequest(operation, $"credential: {what}", null, true, path, body, operation.MediaType, Authorization: authorization);
        }
    }

    private static IEnumerable<BadRequest> PathParameterRequests(Operation operation, IReadOnlyDictionary<string, string> pathValues)
    {
        foreach (var parameter in operation.Parameters.Where(p => p.In == "path"))
        {
            foreach (var (what, value, mustRefuse) in new[]
            {
                ("NUL", "a%00b", true), ("control character", "a%07b", true), ("invalid UTF-8", "%FF%FE", true), ("bidi override", "a%E2%80%AEb", true),
                ("not a uuid", "not-a-uuid", false), ("zero uuid", "00000000-0000-0000-0000-000000000000", false), ("5000 characters", new string('a', 5000), false),
                ("dot segments", "..%2F..%2Fadmin", false), ("negative", "-1", false),
            })
            {
                yield return new BadRequest(operation, $"path {parameter.Name}: {what}", null, mustRefuse,
                    FillPath(operation.Path, pathValues, parameter.Name, value), operation.TakesBody ? ExampleBody(operation) : null,
                    operation.MediaType);
            }
        }
    }

    private static IEnumerable<BadRequest> QueryRequests(Operation operation, string path)
    {
        var body = operation.TakesBody ? ExampleBody(operation) : null;
        BadRequest Query(string what, string? field, bool mustRefuse, string query) =>
            new(operation, what, field, mustRefuse, $"{path}?{query}", body, operation.MediaType);
        foreach (var parameter in operation.Parameters.Where(p => p.In == "query"))
        {
            var name = Uri.EscapeDataString(parameter.Name);
            foreach (var (what, value) in new[]
            {
                ("NUL", "a%00b"), ("control character", "a%07b"), ("invalid UTF-8", "%FF%FE"), ("lone surrogate", "%ED%A0%80"), ("bidi override", "a%E2%80%AEb"),
            })
            {
                yield return Query($"{parameter.Name}: {what}", parameter.Name, true, $"{name}={value}");
            }
            if (parameter.Type is "integer" or "number")
            {
                foreach (var (what, value) in new[] { ("not a number", "abc"), ("1e400", "1e400"), ("beyond 64 bits", "99999999999999999999") })
                {
                    yield return Query($"{parameter.Name}: {what}", parameter.Name, true, $"{name}={value}");
                }
            }
            foreach (var (what, value) in new[]
            {
                ("empty", ""), ("negative", "-1"), ("zero", "0"), ("5000 characters", new string('a', 5000)), ("SQL", "%27%20OR%20%271%27%3D%271"),
                ("wildcards", "%25_%2A"), ("date at year 1", "0001-01-01T00:00:00Z"), ("date at year 9999", "9999-12-31T23:59:59Z"),
            })
            {
                yield return Query($"{parameter.Name}: {what}", parameter.Name, false, $"{name}={value}");
            }
            yield return Query($"{parameter.Name}: given twice", parameter.Name, false, $"{name}=1&{name}=2");
        }
        if (operation.Method == "GET")
        {
            yield return Query("an unknown parameter", "unexpectedParameter", false, "unexpectedParameter=1");
        }
    }

    // Documented request headers: over their documented length or outside their documented values, refused naming the header.
    private static IEnumerable<BadRequest> HeaderRequests(Operation operation, string path)
    {
        var body = operation.TakesBody ? ExampleBody(operation) : null;
        BadRequest Header(OperationParameter header, string what, bool mustRefuse, string value) =>
            new(operation, $"header {header.Name}: {what}", header.Name, mustRefuse, path, body, operation.MediaType,
                new Dictionary<string, string> { [header.Name] = value });
        foreach (var header in operation.Parameters.Where(p => p.In == "header"))
        {
            if (header.MaxLength is { } max)
            {
                yield return Header(header, $"{max + 1} characters", true, new string('k', max + 1));
                yield return Header(header, $"{max} characters", false, new string('k', max));
            }
            if (header.Values is { Count: > 0 })
            {
                yield return Header(header, "not one of its values", true, "unexpected-value");
            }
            yield return Header(header, "blank", false, "   ");
            yield return Header(header, "5000 characters", false, new string('k', 5000));
        }
    }

    private static bool TakesForm(Operation operation) => operation.MediaType == "application/x-www-form-urlencoded";

    // A form (the SMS gateways' webhooks) has no syntax to break: a form cut short or with garbage after it is still a form.
    // What is wrong under any reading is a field's text (NUL, control and bidi characters, bytes that are not UTF-8, a
    // lone surrogate, each after the field's valid value) and a body that is no form at all; an empty, missing, long or
    // repeated field is a probe.
    private static IEnumerable<BadRequest> FormRequests(Operation operation, string path)
    {
        var example = ExampleText(operation);
        var fields = example.Split('&').Select(pair => pair.Split('=', 2)).Select(p => (Name: p[0], Value: p.Length > 1 ? p[1] : "")).ToList();
        BadRequest Form(string what, string? field, bool mustRefuse, string body, string? contentType = null, IReadOnlyDictionary<string, string>? headers = null) =>
            new(operation, what, field, mustRefuse, path, Encoding.UTF8.GetBytes(body), contentType ?? operation.MediaType, headers);
        string With(string name, string? value, bool twice = false) => string.Join("&", fields
            .Where(f => f.Name != name || value is not null)
            .SelectMany(f => f.Name != name ? new[] { $"{f.Name}={f.Value}" } : twice ? new[] { $"{f.Name}={f.Value}", $"{f.Name}={value}" } : new[] { $"{f.Name}={value}" }));
        yield return Form("empty body", null, true, "");
        yield return Form("text/plain", null, true, example, "text/plain");
        yield return Form("plain body labelled gzip", null, true, example, headers: new Dictionary<string, string> { ["Content-Encoding"] = "gzip" });
        yield return Form("unsupported Content-Encoding", null, true, example, headers: new Dictionary<string, string> { ["Content-Encoding"] = "compress" });
        yield return Form("17 MiB body", null, true, example + "&padding=" + new string('a', 17 * 1024 * 1024));
        foreach (var (name, value) in fields)
        {
            foreach (var (what, bad) in new[] { ("NUL", "%00"), ("control character", "%07"), ("invalid UTF-8", "%FF%FE"), ("lone surrogate", "%ED%A0%80"), ("bidi override", "%E2%80%AE") })
            {
                yield return Form($"{name}: {what}", name, true, With(name, value + bad));
            }
            yield return Form($"{name}: removed", name, false, With(name, null));
            yield return Form($"{name}: empty", name, false, With(name, ""));
            yield return Form($"{name}: 5000 characters", name, false, With(name, value + new string('a', 5000)));
            yield return Form($"{name}: given twice", name, false, With(name, value + "2", twice: true));
        }
    }

    // For a text body (CSV) the same cuts and additions break it as surely: a file cut short, garbage after it.
    private static IEnumerable<BadRequest> WholeBodyRequests(Operation operation, string path)
    {
        var json = ExampleText(operation);
        BadRequest Body(string what, byte[] body, string? contentType = null, IReadOnlyDictionary<string, string>? headers = null, string? field = null) =>
            new(operation, what, field, true, path, body, contentType ?? operation.MediaType, headers);
        yield return Body("empty body", []);
        yield return Body("not JSON", "not json"u8.ToArray());
        yield return Body("truncated JSON", Encoding.UTF8.GetBytes(json[..^1]));
        yield return Body("null", "null"u8.ToArray());
        yield return Body("an array", "[]"u8.ToArray());
        yield return Body("a number", "42"u8.ToArray());
        yield return Body("nested 300 deep", Encoding.UTF8.GetBytes(new string('[', 300) + new string(']', 300)));
        yield return Body("invalid UTF-8 outside strings", [0xFF, 0xFE, .. Encoding.UTF8.GetBytes(json)]);
        yield return Body("a byte-order mark and trailing garbage", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(json + "}")]);
        yield return Body("trailing comma", Encoding.UTF8.GetBytes(json[..^1] + ",}"));
        yield return Body("text/plain", Encoding.UTF8.GetBytes(json), "text/plain");
        yield return Body("plain body labelled gzip", Encoding.UTF8.GetBytes(json), headers: new Dictionary<string, string> { ["Content-Encoding"] = "gzip" });
        yield return Body("unsupported Content-Encoding", Encoding.UTF8.GetBytes(json), headers: new Dictionary<string, string> { ["Content-Encoding"] = "compress" });
        // Over every service's limit (1 MiB; EPCIS documents 16 MiB): answered before the body is read.
        var oversized = new byte[17 * 1024 * 1024];
        Array.Fill(oversized, (byte)' ');
        Encoding.UTF8.GetBytes(json).CopyTo(oversized, 0);
        yield return Body("17 MiB body", oversized);
    }

    private static IEnumerable<BadRequest> MemberRequests(Operation operation, string path, JsonNode example, IReadOnlyList<int> columnLimits)
    {
        var members = new List<Member>();
        Walk(operation, example, [], operation.Resolve(operation.BodySchema), members);
        foreach (var (steps, value, schema, inExample) in members)
        {
            var field = Display(steps);
            var name = field;
            BadRequest Replace(string what, bool mustRefuse, byte[] raw) =>
                new(operation, $"{name}: {what}", name, mustRefuse, path, Splice(example, steps, raw), operation.MediaType);
            BadRequest Text(string what, bool mustRefuse, string rawJson) => Replace(what, mustRefuse, Encoding.UTF8.GetBytes(rawJson));

            var types = Operation.Types(schema);
            // A wrong type is wrong for certain only where the document declares the type (a raw JSON body,
            // such as an EPCIS extension member, may hold any JSON value): elsewhere it is a probe.
            var typed = types.Count > 0;
            var kind = value switch
            {
                JsonObject => "object",
                JsonArray => "array",
                JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => "string",
                JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number => "number",
                JsonValue => "boolean",
                _ => types.Contains("array") ? "array" : types.Contains("object") ? "object" : types.Contains("number") || types.Contains("integer") ? "number" : "string",
            };
            switch (kind)
            {
                case "string":
                    yield return Text("NUL", true, "\"a\\u0000b\"");
                    yield return Text("control character", true, "\"a\\u0007b\"");
                    yield return Text("bidi override", true, "\"a\\u202Eb\"");
                    yield return Text("lone surrogate", true, "\"a\\ud800b\"");
                    yield return Replace("invalid UTF-8", true, [(byte)'"', (byte)'a', 0xFF, 0xFE, (byte)'b', (byte)'"']);
                    yield return Text("a number", typed, "12345");
                    yield return Text("an object", typed, "{}");
                    yield return Text("an array", typed, "[]");
                    yield return Text("true", typed, "true");
                    if (value?.ToString() is { } text && DatePattern().IsMatch(text))
                    {
                        var time = text.Contains('T', StringComparison.Ordinal);
                        yield return Text("no such day", true, time ? "\"2026-02-30T09:00:00Z\"" : "\"2026-02-30\"");
                        if (time)
                        {
                            yield return Text("offset beyond +14:00", true, "\"2026-11-02T09:00:00+15:00\"");
                        }
                        yield return Text("year 1", false, time ? "\"0001-01-01T00:00:00Z\"" : "\"0001-01-01\"");
                        yield return Text("before 1900", false, time ? "\"1899-12-31T23:59:59Z\"" : "\"1899-12-31\"");
                        yield return Text("end of year 9999", false, time ? "\"9999-12-31T23:59:59Z\"" : "\"9999-12-31\"");
                    }
                    yield return Text("empty", false, "\"\"");
                    yield return Text("blank", false, "\"   \"");
                    yield return Text("zero-width only", false, "\"\\u200B\\u200B\"");
                    yield return Text("two lines", false, "\"a\\nb\"");
                    // At and over every column width of the service's schema, keeping the example's shape (a URI
                    // stays a URI), so that the length is what is tested.
                    string Long(int length) => System.Text.Json.JsonSerializer.Serialize((value?.ToString() ?? "").PadRight(length, 'a'));
                    foreach (var limit in columnLimits.Where(l => l >= (value?.ToString()?.Length ?? 0)))
                    {
                        yield return Text($"{limit} characters (a column's width)", false, Long(limit));
                        yield return Text($"{limit + 1} characters", false, Long(limit + 1));
                    }
                    yield return Text("70,000 characters", false, Long(70_000));
                    yield return Text("SQL", false, "\"' OR '1'='1\"");
                    break;
                case "number":
                    yield return Text("1e400", true, "1e400");
                    yield return Text("-1e400", true, "-1e400");
                    yield return Text("text", typed, "\"abc\"");
                    yield return Text("an object", typed, "{}");
                    yield return Text("true", typed, "true");
                    yield return Text("-1", false, "-1");
                    yield return Text("0", false, "0");
                    yield return Text("1e-30", false, "1e-30");
                    yield return Text("1e308", false, "1e308");
                    yield return Text("beyond decimal", false, "79228162514264337593543950336");
                    yield return Text("quoted", false, "\"42\"");
                    break;
                case "object" when field != "$":
                    yield return Text("a string instead of an object", typed, "\"x\"");
                    yield return Text("an array instead of an object", typed, "[]");
                    break;
                case "array":
                    // An array of strings may well take "x" (or, for @context, an object): only a probe there.
                    var ofObjects = value is not JsonArray { Count: > 0 } items || items[0] is JsonObject;
                    yield return Text("a string instead of an array", typed, "\"x\"");
                    yield return Text("an object instead of an array", typed, "{}");
                    yield return Text("an array of a string", typed && ofObjects, "[\"x\"]");
                    yield return Text("an array of an object with an unknown member", typed && ofObjects, "[{\"unexpectedMember\":1}]");
                    break;
                case "boolean":
                    yield return Text("text", typed, "\"yes\"");
                    break;
            }
            if (field != "$")
            {
                yield return Text("null", false, "null");
                if (inExample)
                {
                    yield return new BadRequest(operation, $"{name}: removed", name, false, path, Remove(example, steps), operation.MediaType);
                }
            }
            if (kind == "object" && value is JsonObject obj)
            {
                // An unknown member is wrong for certain where the document closes the object (additionalProperties: false).
                var closed = schema?["additionalProperties"] is JsonValue additional && additional.GetValueKind() == System.Text.Json.JsonValueKind.False;
                List<string> unknownSteps = [.. steps, "unexpectedMember"];
                var unknown = Display(unknownSteps);
                yield return new BadRequest(operation, $"{unknown}: an unknown member", unknown, closed, path, Splice(example, unknownSteps, "1"u8.ToArray()), operation.MediaType);
                if (obj.Count > 0)
                {
                    var first = obj.First().Key;
                    var repeated = Display([.. steps, first]);
                    yield return new BadRequest(operation, $"{repeated}: given twice", repeated, true, path, Repeat(example, steps, first), operation.MediaType);
                }
            }
        }
    }

    private sealed record Member(IReadOnlyList<string> Steps, JsonNode? Value, JsonObject? Schema, bool InExample);

    // A path as problem details write it: a.b[0].c ("$" for the whole body). Steps are member names or "[i]".
    private static string Display(IReadOnlyList<string> steps) =>
        steps.Count == 0 ? "$" : string.Concat(steps.Select((step, i) => step.StartsWith('[') || i == 0 ? step : "." + step));

    // Every member of the example, and the members its schema documents that the example leaves out.
    private static void Walk(Operation operation, JsonNode? node, List<string> steps, JsonObject? schema, List<Member> members)
    {
        members.Add(new Member(steps, node, schema, true));
        switch (node)
        {
            case JsonObject obj:
                var properties = schema?["properties"] as JsonObject;
                foreach (var (name, value) in obj)
                {
                    Walk(operation, value, [.. steps, name], operation.Resolve(properties?[name]), members);
                }
                foreach (var (name, propertySchema) in properties ?? [])
                {
                    if (!obj.ContainsKey(name))
                    {
                        members.Add(new Member([.. steps, name], null, operation.Resolve(propertySchema), false));
                    }
                }
                break;
            case JsonArray array when array.Count > 0:
                Walk(operation, array[0], [.. steps, "[0]"], operation.Resolve(schema?["items"]), members);
                break;
        }
    }

    private static byte[] Splice(JsonNode example, IReadOnlyList<string> steps, byte[] raw)
    {
        if (steps.Count == 0)
        {
            return raw;
        }
        var copy = example.DeepClone();
        var (parent, last) = Parent(copy, steps);
        if (parent is JsonArray array)
        {
            array[Index(last)] = JsonValue.Create(Hole);
        }
        else
        {
            parent!.AsObject()[last] = JsonValue.Create(Hole);
        }
        var json = copy.ToJsonString();
        var at = json.IndexOf($"\"{Hole}\"", StringComparison.Ordinal);
        return [.. Encoding.UTF8.GetBytes(json[..at]), .. raw, .. Encoding.UTF8.GetBytes(json[(at + Hole.Length + 2)..])];
    }

    private static byte[] Remove(JsonNode example, IReadOnlyList<string> steps)
    {
        var copy = example.DeepClone();
        var (parent, last) = Parent(copy, steps);
        if (parent is JsonArray array)
        {
            array.RemoveAt(Index(last));
        }
        else
        {
            parent!.AsObject().Remove(last);
        }
        return Encoding.UTF8.GetBytes(copy.ToJsonString());
    }

    private static byte[] Repeat(JsonNode example, IReadOnlyList<string> objectSteps, string member)
    {
        var copy = example.DeepClone();
        var target = Find(copy, objectSteps)!.AsObject();
        var repeatedValue = target[member]?.ToJsonString() ?? "null";
        target[Hole] = null;
        var json = copy.ToJsonString();
        return Encoding.UTF8.GetBytes(json.Replace($"\"{Hole}\":null", $"{System.Text.Json.JsonSerializer.Serialize(member)}:{repeatedValue}", StringComparison.Ordinal));
    }

    private static JsonNode? Find(JsonNode root, IReadOnlyList<string> steps)
    {
        JsonNode? node = root;
        foreach (var step in steps)
        {
            node = node is JsonArray array ? array[Index(step)] : node?[step];
        }
        return node;
    }

    private static (JsonNode? Parent, string Last) Parent(JsonNode root, IReadOnlyList<string> steps) => (Find(root, steps.Take(steps.Count - 1).ToList()), steps[^1]);

    private static int Index(string step) => int.Parse(step.Trim('[', ']'), System.Globalization.CultureInfo.InvariantCulture);

    private static string FillPath(string template, IReadOnlyDictionary<string, string> values, string? replaced, string? rawValue) =>
        ParameterPattern().Replace(template, m =>
        {
            var name = m.Groups[1].Value;
            return name == replaced ? rawValue! : values.TryGetValue(name, out var value) ? value : "unknown";
        });

    [GeneratedRegex(@"\{\*{0,2}([^}:]+)[^}]*\}")]
    private static partial Regex ParameterPattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}")]
    private static partial Regex DatePattern();
}
