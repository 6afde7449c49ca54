using System.Text.Json;
using Traceability.Provenance.Features.CaptureEpcis;
using Traceability.Provenance.Gs1;

namespace Traceability.Tests;

/// <summary>
/// GS1's EPCIS Event Hash ID against the reference implementation's vectors
/// (../shared/reference/epcis-hash: each document's events, their pre-hash strings and hash ids).
/// </summary>
[TestFixture]
public class When_an_EPCIS_event_is_hashed
{
    private static string Folder => Path.GetFullPath(Path.Combine(RepositoryFiles.Root, "..", "shared", "reference", "epcis-hash"));

    /// <summary>The reference's tests let a repository name fields to leave out, in a document field of its own namespace.</summary>
    private const string IgnoreFieldsNamespace = "https://repository-x.example.com/";

    public static IEnumerable<TestCaseData> Vectors()
    {
        if (!Directory.Exists(Folder))
        {
            yield return new TestCaseData("", 0).SetName($"Reference folder {Folder} missing");
            yield break;
        }
        foreach (var file in Directory.GetFiles(Folder, "*.jsonld").Order(StringComparer.Ordinal))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            var count = Document(document.RootElement).Events.Count;
            for (var i = 0; i < count; i++)
            {
                yield return new TestCaseData(file, i).SetName($"{Path.GetFileNameWithoutExtension(file)} event {i + 1}");
            }
        }
    }

    [TestCaseSource(nameof(Vectors))]
    public void Should_give_the_reference_pre_hash_string_and_hash_id(string path, int index)
    {
        if (path.Length == 0)
        {
            Assert.Ignore("../shared/reference/epcis-hash is not beside this checkout: the GS1 event hash vectors were not run.");
        }
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var (events, context, ignored) = Document(document.RootElement);
        var hashes = Lines(Path.ChangeExtension(path, ".hashes"));
        var preHashes = File.Exists(Path.ChangeExtension(path, ".prehashes")) ? Lines(Path.ChangeExtension(path, ".prehashes")) : null;
        Assert.That(hashes, Has.Count.EqualTo(events.Count), "one expected hash per event");

        var preHash = EpcisEventHash.PreHash(events[index], context, ignored);

        using (Assert.EnterMultipleScope())
        {
            // The reference project tests only its .hashes; two of its .prehashes lines come from an older version of their
            // document and do not hash to the expected id. Such a line is no evidence, so it is reported, not compared.
            if (preHashes is not null && EpcisEventHash.IdOf(preHashes[index]) != hashes[index])
            {
                TestContext.Out.WriteLine($"{Path.GetFileName(path)} event {index + 1}: the vector's pre-hash string does not hash to its expected id; only the id is compared.");
            }
            else if (preHashes is not null)
            {
                Assert.That(preHash, Is.EqualTo(preHashes[index]), "pre-hash string");
            }
            Assert.That(EpcisEventHash.IdOf(preHash), Is.EqualTo(hashes[index]), "hash id");
            Assert.That(EpcisEventHash.Id(events[index], context, ignored), Is.EqualTo(hashes[index]));
        }
    }

    [Test]
    public void Should_have_expected_hashes_for_every_reference_document()
    {
        if (!Directory.Exists(Folder))
        {
            Assert.Ignore("../shared/reference/epcis-hash is not beside this checkout.");
        }
        var documents = Directory.GetFiles(Folder, "*.jsonld");
        Assert.That(documents, Is.Not.Empty);
        Assert.That(documents.Where(d => !File.Exists(Path.ChangeExtension(d, ".hashes"))), Is.Empty);
    }

    private const string Event = """
        {"type": "ObjectEvent", "eventTime": "2024-03-01T10:15:30.1236+01:00", "eventTimeZoneOffset": "+01:00",
         "epcList": ["urn:epc:id:sgtin:0614141.107346.2018", "urn:epc:id:sgtin:0614141.107346.2017"], "action": "OBSERVE",
         "bizStep": "shipping", "disposition": "in_transit", "readPoint": {"id": "urn:epc:id:sgln:0614141.07346.0"},
         "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:0614141073467:PO-7"}],
         "ilmd": {"ex:lot": "0042.50"}, "ex:note": "packed"}
        """;

    private static readonly JsonElement Context = JsonDocument.Parse("""
        ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"ex": "https://ns.example.com/epcis/"}]
        """).RootElement;

    [Test]
    public void Should_write_the_canonical_pre_hash_string()
    {
        var preHash = EpcisEventHash.PreHash(JsonDocument.Parse(Event).RootElement, Context);

        Assert.That(preHash, Is.EqualTo(
            "eventType=ObjectEventeventTime=2024-03-01T09:15:30.124ZeventTimeZoneOffset=+01:00"
            + "epcListepc=https://id.gs1.org/01/10614141073464/21/2017epc=https://id.gs1.org/01/10614141073464/21/2018"
            + "action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-shippingdisposition=https://ref.gs1.org/cbv/Disp-in_transit"
            + "readPointid=https://id.gs1.org/414/0614141073467"
            + "bizTransactionListtype=https://ref.gs1.org/cbv/BTT-pobizTransaction=urn:epcglobal:cbv:bt:0614141073467:PO-7"
            + "ilmd{https://ns.example.com/epcis/}lot=42.5{https://ns.example.com/epcis/}note=packed"));
    }

    [Test]
    public void Should_give_the_same_id_however_the_event_is_written()
    {
        const string rewritten = """
            {"ex2:note": "packed", "ilmd": {"ex2:lot": "42.5"}, "action": "OBSERVE", "type": "ObjectEvent",
             "bizTransactionList": [{"type": "urn:epcglobal:cbv:btt:po", "bizTransaction": "urn:epcglobal:cbv:bt:0614141073467:PO-7"}],
             "epcList": ["https://example.com/01/10614141073464/21/2017?x=1", "https://id.gs1.org/01/10614141073464/10/L1/21/2018"],
             "eventTime": "2024-03-01T09:15:30.124Z", "eventTimeZoneOffset": "+01:00",
             "bizStep": "cbv:BizStep-shipping", "disposition": "urn:epcglobal:cbv:disp:in_transit",
             "readPoint": {"id": "https://id.gs1.org/gln/0614141073467"},
             "eventID": "urn:uuid:7c9e6679-7425-40de-944b-e07fc1f90ae7", "recordTime": "2025-01-01T00:00:00Z", "rdfs:comment": "a note"}
            """;
        var context = JsonDocument.Parse("""[{"ex2": "https://ns.example.com/epcis/"}]""").RootElement;

        Assert.That(EpcisEventHash.Id(JsonDocument.Parse(rewritten).RootElement, context),
            Is.EqualTo(EpcisEventHash.Id(JsonDocument.Parse(Event).RootElement, Context)));
    }

    [Test]
    public void Should_give_another_id_when_anything_that_happened_changes()
    {
        var original = EpcisEventHash.Id(JsonDocument.Parse(Event).RootElement, Context);

        Assert.That(EpcisEventHash.Id(JsonDocument.Parse(Event.Replace("\"shipping\"", "\"receiving\"", StringComparison.Ordinal)).RootElement, Context),
            Is.Not.EqualTo(original));
        Assert.That(EpcisEventHash.Id(JsonDocument.Parse(Event.Replace("packed", "unpacked", StringComparison.Ordinal)).RootElement, Context),
            Is.Not.EqualTo(original));
    }

    [TestCase("2023-01-18T11:04:03.1415Z", "2023-01-18T11:04:03.142Z")]
    [TestCase("2023-01-18T11:04:03.1414999Z", "2023-01-18T11:04:03.141Z")]
    [TestCase("2023-01-18T11:04:03.9996Z", "2023-01-18T11:04:04.000Z")]
    [TestCase("2023-01-01T00:30:00-01:00", "2023-01-01T01:30:00.000Z")]
    [TestCase("2023-01-01T00:30:00+01:00", "2022-12-31T23:30:00.000Z")]
    public void Should_write_times_in_UTC_with_milliseconds(string time, string canonical) =>
        Assert.That(EpcisEventHash.Timestamp(time), Is.EqualTo(canonical));

    [TestCase("0001-01-01T00:00:00+01:00")]
    [TestCase("2023-01-01T00:30:00+25:00")]
    [TestCase("yesterday")]
    public void Should_leave_a_time_it_cannot_place_in_UTC_as_written(string time) =>
        Assert.That(EpcisEventHash.Timestamp(time), Is.EqualTo(time));

    [TestCase("urn:epc:id:sscc:0614141.1234567890", "https://id.gs1.org/00/106141412345678908")]
    [TestCase("urn:epc:id:sgln:0614141.12345.400", "https://id.gs1.org/414/0614141123452/254/400")]
    [TestCase("urn:epc:id:grai:0614141.12345.400", "https://id.gs1.org/8003/00614141123452400")]
    [TestCase("urn:epc:id:giai:0614141.12345400", "https://id.gs1.org/8004/061414112345400")]
    [TestCase("urn:epc:id:pgln:0614141.00001", "https://id.gs1.org/417/0614141000012")]
    [TestCase("urn:epc:class:lgtin:4012345.012345.998877", "https://id.gs1.org/01/04012345123456/10/998877")]
    [TestCase("urn:epc:idpat:sgtin:4012345.012345.*", "https://id.gs1.org/01/04012345123456")]
    [TestCase("urn:epc:id:sgtin:0614141.112345.A(1)", "https://id.gs1.org/01/10614141123459/21/A%281%29")]
    [TestCase("http://example.com/gtin/614141123452/cpv/2A/ser/7?linkType=all", "https://id.gs1.org/01/00614141123452/21/7")]
    public void Should_normalise_GS1_identifiers_to_canonical_Digital_Link(string uri, string canonical) =>
        Assert.That(DigitalLink.Canonical(uri), Is.EqualTo(canonical));

    [TestCase("urn:epcglobal:cbv:bt:0614141073467:PO-7")]
    [TestCase("geo:47.506694,11.104301")]
    [TestCase("https://example.com/products/shoe")]
    public void Should_leave_other_identifiers_as_they_are(string uri) => Assert.That(DigitalLink.Canonical(uri), Is.Null);

    [TestCase("1.0", "1")]
    [TestCase("0.34340", "0.3434")]
    [TestCase("+12", "12")]
    [TestCase("1e-05", "1e-05")]
    public void Should_write_numbers_without_trailing_zeros(string number, string canonical) =>
        Assert.That(EpcisEventHash.Canonical(number), Is.EqualTo(canonical));

    private static (IReadOnlyList<JsonElement> Events, JsonElement? Context, IReadOnlyCollection<string> Ignored) Document(JsonElement root)
    {
        var body = root.GetProperty("epcisBody");
        var results = body.TryGetProperty("queryResults", out var r) ? r : (JsonElement?)null;
        var events = body.TryGetProperty("eventList", out var list) ? list.EnumerateArray().ToList()
            : results is { } q ? q.GetProperty("resultsBody").GetProperty("eventList").EnumerateArray().ToList()
            : [body.GetProperty("event")];
        var context = root.TryGetProperty("@context", out var c) ? c : (JsonElement?)null;
        var prefix = context is { ValueKind: JsonValueKind.Array } array
            ? array.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).SelectMany(e => e.EnumerateObject())
                .Where(p => p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() == IgnoreFieldsNamespace).Select(p => p.Name).FirstOrDefault()
            : null;
        var holder = results ?? root;
        var ignored = prefix is not null && holder.TryGetProperty($"{prefix}:ignoreFields", out var fields)
            ? fields.EnumerateArray().Select(f => f.GetString()!).ToList()
            : [];
        return (events, context, ignored);
    }

    private static List<string> Lines(string path) => File.ReadAllLines(path).Where(l => l.Length > 0).ToList();
}
