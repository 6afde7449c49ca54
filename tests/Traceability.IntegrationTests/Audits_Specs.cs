using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MassTransit;
using Traceability.Hosting;

namespace Traceability.IntegrationTests;

/// <summary>Audits' slices on the real database and broker: the registry, audit upload and its scope, CSV findings, certificates.</summary>
[TestFixture]
[Category("Integration")]
public class When_auditors_upload_audits_and_certifiers_keep_certificates : AuditsOnAPlatform
{
    [Test]
    public async Task Should_let_certifiers_keep_the_registry_and_publish_every_change_of_accreditation()
    {
        await RegisterAuditorAsync("reg-1");
        Assert.That(await OutboxAsync("AuditorAccreditationChanged", "\"auditorId\":\"reg-1\""), Is.EqualTo(1));

        var changed = """
            {"name":"Auditor reg-1","firm":"Fair Audits","apscaNumber":"APSCA0001","level":"CSCA",
             "accreditations":[{"scheme":"smeta","countries":["BD"],"hsChapters":["61","62"],"validFrom":"2025-01-01","validTo":"2027-12-31"}]}
            """;
        using var replaced = await _certifier.PutAsync("api/v1/auditors/reg-1", Json(changed));
        using var again = await _certifier.PutAsync("api/v1/auditors/reg-1", Json(changed));
        Assert.That(replaced.StatusCode, Is.EqualTo(HttpStatusCode.OK), await replaced.Content.ReadAsStringAsync());
        Assert.That((await BodyAsync(replaced)).GetProperty("revision").GetInt32(), Is.EqualTo(2));
        Assert.That((await BodyAsync(again)).GetProperty("revision").GetInt32(), Is.EqualTo(2), "nothing changed: no new revision");
        Assert.That(await OutboxAsync("AuditorAccreditationChanged", "\"auditorId\":\"reg-1\""), Is.EqualTo(2));

        using var own = Auditor("reg-1");
        using var ownRecord = await own.GetAsync("api/v1/auditors/reg-1");
        using var othersRecord = await own.GetAsync("api/v1/auditors/ama-mensah");
        using var registering = await own.PostAsync("api/v1/auditors", Json(changed));
        using var anonymous = await _audits.Http.GetAsync("api/v1/auditors/reg-1");
        using var sameApsca = await _certifier.PostAsync("api/v1/auditors", Json(changed.Replace("\"name\"", "\"id\":\"reg-2\",\"name\"", StringComparison.Ordinal)));
        Assert.Multiple(async () =>
        {
            Assert.That(ownRecord.StatusCode, Is.EqualTo(HttpStatusCode.OK), "an auditor reads their own record");
            Assert.That((await BodyAsync(ownRecord)).GetProperty("accreditations")[0].GetProperty("hsChapters").EnumerateArray().Select(c => c.GetString()),
                Is.EqualTo(new[] { "61", "62" }));
            Assert.That(othersRecord.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "another auditor's record answers as a missing one");
            Assert.That(registering.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "auditors do not register auditors");
            Assert.That(anonymous.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(sameApsca.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
            Assert.That((await BodyAsync(sameApsca)).GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain("apscaNumber"));
        });
    }

    [TestCase("not-registered")]
    [TestCase("auditor-not-active")]
    [TestCase("level-may-not-lead")]
    [TestCase("not-accredited-for-scheme")]
    [TestCase("not-accredited-for-country")]
    [TestCase("not-accredited-on-audit-dates")]
    [TestCase("not-accredited-for-sector")]
    public async Task Should_refuse_an_audit_outside_the_auditors_scope_with_the_reason_and_store_nothing(string reason)
    {
        var id = $"scope-{reason}";
        var gln = NewGln();
        var audit = Audit(gln, DocumentsRetained, hsChapters: reason == "not-accredited-for-sector" ? "\"18\"" : "");
        switch (reason)
        {
            case "auditor-not-active": await RegisterAuditorAsync(id, status: "suspended"); break;
            case "level-may-not-lead": await RegisterAuditorAsync(id, level: "ASCA"); break;
            case "not-accredited-for-scheme": await RegisterAuditorAsync(id, scheme: "smeta"); break;
            case "not-accredited-for-country": await RegisterAuditorAsync(id, countries: "\"BD\""); break;
            case "not-accredited-on-audit-dates": await RegisterAuditorAsync(id, validTo: "2026-10-13"); break;
            case "not-accredited-for-sector": await RegisterAuditorAsync(id, hsChapters: "\"52\""); break;
        }
        var auditsBefore = await CountAsync("audits.audit");
        var outboxBefore = await CountAsync("audits.outbox_message");
        var facilitiesBefore = await CountAsync("audits.facility");

        using var auditor = Auditor(id);
        using var response = await auditor.PostAsync("api/v1/audits", Json(audit));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), await response.Content.ReadAsStringAsync());
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        var problem = await BodyAsync(response);
        Assert.That(problem.GetProperty("reason").GetString(), Is.EqualTo(reason));
        Assert.That(problem.GetProperty("detail").GetString(), Is.Not.Empty);
        Assert.That(await CountAsync("audits.audit"), Is.EqualTo(auditsBefore));
        Assert.That(await CountAsync("audits.outbox_message"), Is.EqualTo(outboxBefore));
        Assert.That(await CountAsync("audits.facility"), Is.EqualTo(facilitiesBefore), "not even the facility is kept");
    }

    [Test]
    public async Task Should_let_an_auditor_lead_at_most_two_consecutive_audits_of_a_facility_under_a_scheme()
    {
        await RegisterAuditorAsync("rotation-1");
        await RegisterAuditorAsync("rotation-2");
        var gln = NewGln();
        using var first = Auditor("rotation-1");
        using var second = Auditor("rotation-2");
        async Task<HttpResponseMessage> Post(HttpClient client, string start, string end, string type = "periodic", string? followUpOf = null) =>
            await client.PostAsync("api/v1/audits", Json(Audit(gln, Discrimination, start: start, end: end, type: type, followUpOf: followUpOf)));

        using var one = await Post(first, "2025-01-10", "2025-01-11");
        using var two = await Post(first, "2025-07-10", "2025-07-11");
        var twoId = (await BodyAsync(two)).GetProperty("id").GetString();
        using var followUp = await Post(first, "2025-09-01", "2025-09-01", "follow-up", twoId);
        using var three = await Post(first, "2026-01-10", "2026-01-11");
        using var byAnother = await Post(second, "2026-01-10", "2026-01-11");

        Assert.That(new[] { one.StatusCode, two.StatusCode, followUp.StatusCode }, Has.All.EqualTo(HttpStatusCode.Created), await followUp.Content.ReadAsStringAsync());
        Assert.That(three.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await BodyAsync(three)).GetProperty("reason").GetString(), Is.EqualTo("rotation"), "a follow-up does not break the run");
        Assert.That(byAnother.StatusCode, Is.EqualTo(HttpStatusCode.Created), "another auditor leads the third");
    }

    [Test]
    public async Task Should_admit_only_auditors_to_upload_and_hide_an_audit_outside_another_auditors_accreditation()
    {
        await RegisterAuditorAsync("roles-1");
        // Accredited for SA8000 elsewhere: the audit in Ghana is outside this auditor's reach.
        await RegisterAuditorAsync("roles-2", countries: "\"BD\"");
        using var owner = Auditor("roles-1");
        using var created = await owner.PostAsync("api/v1/audits", Json(Audit(NewGln(), Discrimination)));
        var location = created.Headers.Location!.ToString().TrimStart('/');
        using var other = Auditor("roles-2");
        using var admin = TestIssuer.Shared.ClientFor(_audits, "admin-1", [Roles.Admin]);
        using var caseworker = TestIssuer.Shared.ClientFor(_audits, "case-1", [Roles.Caseworker]);
        var csv = new StringContent("Code\nHR-NO-REST-DAY\n", Encoding.UTF8, "text/csv");

        Assert.Multiple(async () =>
        {
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That((await owner.GetAsync(location)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await _certifier.GetAsync(location)).StatusCode, Is.EqualTo(HttpStatusCode.OK), "certifiers read every audit");
            Assert.That((await admin.GetAsync(location)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await other.GetAsync(location)).StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "an audit outside the auditor's accreditation answers as a missing one");
            Assert.That((await other.GetAsync($"api/v1/audits/{Guid.NewGuid()}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That((await other.PostAsync(location + "/findings", csv)).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That((await caseworker.GetAsync(location)).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That((await _certifier.PostAsync("api/v1/audits", Json(Audit(NewGln())))).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "certifiers do not upload");
            Assert.That((await admin.PostAsync("api/v1/audits", Json(Audit(NewGln())))).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "nor do admins");
            Assert.That((await _audits.Http.PostAsync("api/v1/audits", Json(Audit(NewGln())))).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        });
    }

    [Test]
    public async Task Should_store_an_audit_with_its_findings_mapped_to_the_code_list_and_publish_it_once_per_Idempotency_Key()
    {
        await RegisterAuditorAsync("upload-1");
        using var auditor = Auditor("upload-1");
        var gln = NewGln();
        var body = Audit(gln, DocumentsRetained + "," + """{"schemeItem":"5","severity":"major","description":"Women paid less."}""");
        HttpRequestMessage Post(string json, string? key)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/audits") { Content = Json(json) };
            if (key is not null)
            {
                request.Headers.Add("Idempotency-Key", key);
            }
            return request;
        }

        using var created = await auditor.SendAsync(Post(body, "upload-key"));
        using var replayed = await auditor.SendAsync(Post(body, "upload-key"));
        using var changed = await auditor.SendAsync(Post(body.Replace("\"team\":[\"Kofi\"]", "\"team\":[\"Ama\"]", StringComparison.Ordinal), "upload-key"));
        using var duplicate = await auditor.SendAsync(Post(body, null));

        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        var audit = await BodyAsync(created);
        var findings = audit.GetProperty("findings");
        Assert.That(findings[0].GetProperty("severity").GetString(), Is.EqualTo("zero-tolerance"), "a zero-tolerance code's own severity when none is given");
        Assert.That(findings[0].GetProperty("iloIndicators").EnumerateArray().Select(i => i.GetString()), Is.EqualTo(new[] { "retention-of-identity-documents" }));
        Assert.That(findings[1].GetProperty("code").GetString(), Is.EqualTo("TR-DISCRIMINATION"), "SA8000 element 5 is mapped to its code");
        Assert.That(audit.GetProperty("leadAuditorId").GetString(), Is.EqualTo("upload-1"));
        Assert.That(audit.GetProperty("nonCompliances").GetInt32(), Is.EqualTo(2));
        Assert.That(replayed.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(replayed.Headers.GetValues("Idempotent-Replayed"), Is.EqualTo(new[] { "true" }));
        Assert.That((await BodyAsync(replayed)).GetProperty("id").GetString(), Is.EqualTo(audit.GetProperty("id").GetString()));
        Assert.That(changed.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(duplicate.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "the same audit uploaded again without the key");
        Assert.That(await CountAsync("audits.audit a JOIN audits.facility f ON f.id = a.facility_id", "f.gln = @Gln", new { Gln = gln }), Is.EqualTo(1));
        Assert.That(await OutboxAsync("AuditSubmitted", audit.GetProperty("id").GetString()), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_store_the_production_capacity_an_audit_states_answer_it_and_publish_it()
    {
        await RegisterAuditorAsync("capacity-1");
        using var auditor = Auditor("capacity-1");
        using var created = await auditor.PostAsync("api/v1/audits",
            Json(WithCapacity(Audit(NewGln(), Discrimination), """{"quantity":40.5,"unit":"t","period":"month"}""")));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        var id = (await BodyAsync(created)).GetProperty("id").GetString();
        var stored = await auditor.GetFromJsonAsync<JsonElement>($"api/v1/audits/{id}");
        var capacity = stored.GetProperty("productionCapacity");
        Assert.That((capacity.GetProperty("quantity").GetDecimal(), capacity.GetProperty("unit").GetString(), capacity.GetProperty("period").GetString()),
            Is.EqualTo((40.5m, "t", "month")));
        Assert.That(await OutboxAsync("AuditSubmitted", id), Is.EqualTo(1));
        Assert.That(await CountAsync("audits.outbox_message", "body LIKE @Id AND body LIKE @Capacity",
            new { Id = $"%{id}%", Capacity = "%\"productionCapacity\":{\"quantity\":40.5,\"unit\":\"t\",\"period\":\"month\"}%" }), Is.EqualTo(1), "the event carries it");
    }

    private static string WithCapacity(string audit, string capacity) => audit.TrimEnd()[..^1] + $",\"productionCapacity\":{capacity}}}";

    [TestCase("""{"code":"FL-NOT-A-CODE"}""", "findings[0].code")]
    [TestCase("""{"schemeItem":"2"}""", "findings[0].schemeItem")]
    [TestCase("""{"code":"CL-CHILD-LABOUR","severity":"minor"}""", "findings[0].severity")]
    [TestCase("""{"code":"HR-NO-REST-DAY","evidence":[{"sha256":"abc","mediaType":"image/jpeg"}]}""", "findings[0].evidence[0].sha256")]
    [TestCase("""{"code":"HR-NO-REST-DAY","correctiveAction":{"description":"Rota","dueDate":"2026-01-01"}}""", "findings[0].correctiveAction.dueDate")]
    [TestCase("dates out of order", "endDate")]
    [TestCase("future", "endDate")]
    [TestCase("no overall result under SMETA", "overallResult")]
    [TestCase("""capacity {"quantity":0,"unit":"kg","period":"month"}""", "productionCapacity.quantity")]
    [TestCase("""capacity {"quantity":100,"unit":"tonnes","period":"month"}""", "productionCapacity.unit")]
    [TestCase("""capacity {"quantity":100,"unit":"kg","period":"week"}""", "productionCapacity.period")]
    public async Task Should_refuse_bad_audits_naming_the_field_and_store_nothing(string finding, string field)
    {
        var id = $"bad-{Math.Abs(HashCode.Combine(finding, field))}";
        await RegisterAuditorAsync(id, scheme: finding.Contains("SMETA", StringComparison.Ordinal) ? "smeta" : "sa8000");
        var gln = NewGln();
        var future = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(5).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var body = finding switch
        {
            "dates out of order" => Audit(gln, Discrimination, start: "2026-10-14", end: "2026-10-12"),
            "future" => Audit(gln, Discrimination, start: "2026-10-12", end: future),
            "no overall result under SMETA" => Audit(gln, Discrimination, scheme: "smeta", overallResult: "A"),
            _ when finding.StartsWith("capacity ", StringComparison.Ordinal) => WithCapacity(Audit(gln, Discrimination), finding["capacity ".Length..]),
            _ => Audit(gln, finding),
        };
        var before = await CountAsync("audits.audit");
        using var auditor = Auditor(id);
        using var response = await auditor.PostAsync("api/v1/audits", Json(body));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), await response.Content.ReadAsStringAsync());
        Assert.That((await BodyAsync(response)).GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain(field));
        Assert.That(await CountAsync("audits.audit"), Is.EqualTo(before));
    }

    [Test]
    public async Task Should_add_the_good_rows_of_a_CSV_file_and_refuse_a_file_with_a_bad_row_whole()
    {
        await RegisterAuditorAsync("csv-1");
        using var auditor = Auditor("csv-1");
        using var created = await auditor.PostAsync("api/v1/audits", Json(Audit(NewGln(), Discrimination)));
        var path = created.Headers.Location!.ToString().TrimStart('/') + "/findings";
        HttpContent Csv(byte[] bytes, string mediaType = "text/csv")
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return content;
        }
        var good = Encoding.UTF8.GetBytes("Ref;Code;Scheme item;Severity;Due date;Corrective action\nNC-1;HR-NO-REST-DAY;;major;2026-12-01;Rota\nNC-2;;5;major;;\n");
        var bad = Encoding.UTF8.GetBytes("Code,Severity\nHR-NO-REST-DAY,major\nNOT-A-CODE,major\nCL-CHILD-LABOUR,observation\n");
        var findingsBefore = await CountAsync("audits.finding");

        using var refused = await auditor.PostAsync(path, Csv(bad));
        using var latin1 = await auditor.PostAsync(path, Csv(Encoding.Latin1.GetBytes("Code,Description\nHR-NO-REST-DAY,Überstunden\n")));
        using var plain = await auditor.PostAsync(path, Csv(good, "text/plain"));
        var huge = new byte[10 * 1024 * 1024];
        Array.Fill(huge, (byte)'a');
        using var hugeRequest = new HttpRequestMessage(HttpMethod.Post, path) { Content = Csv(huge) };
        hugeRequest.Headers.ExpectContinue = true;
        using var tooLarge = await auditor.SendAsync(hugeRequest);
        Assert.That(await CountAsync("audits.finding"), Is.EqualTo(findingsBefore), "nothing of a refused file is stored");

        using var accepted = await auditor.PostAsync(path, Csv(good));

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await BodyAsync(refused)).GetProperty("errors").EnumerateObject().Select(e => e.Name), Is.EquivalentTo(new[] { "rows[3].Code", "rows[4].Severity" }));
        Assert.That(latin1.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(plain.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        Assert.That(tooLarge.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.OK), await accepted.Content.ReadAsStringAsync());
        var audit = await BodyAsync(accepted);
        Assert.That(audit.GetProperty("revision").GetInt32(), Is.EqualTo(2));
        Assert.That(audit.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("code").GetString()),
            Is.EqualTo(new[] { "TR-DISCRIMINATION", "HR-NO-REST-DAY", "TR-DISCRIMINATION" }), "SA8000 element 5 in the file is mapped too");
        Assert.That(await OutboxAsync("AuditSubmitted", "\"revision\":2"), Is.GreaterThanOrEqualTo(1), "the audit is published again with every finding");
    }

    [Test]
    public async Task Should_close_earlier_findings_by_a_follow_up_and_publish_each_change()
    {
        await RegisterAuditorAsync("follow-1");
        using var auditor = Auditor("follow-1");
        var gln = NewGln();
        using var created = await auditor.PostAsync("api/v1/audits", Json(Audit(gln, ExcessiveOvertime + "," + Discrimination, start: "2026-06-01", end: "2026-06-02")));
        var earlier = await BodyAsync(created);
        var overtime = earlier.GetProperty("findings")[0].GetProperty("id").GetString();
        var discrimination = earlier.GetProperty("findings")[1].GetProperty("id").GetString();

        using var followUp = await auditor.PostAsync("api/v1/audits", Json(Audit(gln, start: "2026-09-01", end: "2026-09-01", type: "follow-up",
            followUpOf: earlier.GetProperty("id").GetString(), followUps: $$"""{"findingId":"{{overtime}}","status":"closed"},{"findingId":"{{discrimination}}","status":"progress"}""")));
        using var stranger = await auditor.PostAsync("api/v1/audits", Json(Audit(gln, start: "2026-09-02", end: "2026-09-02", type: "follow-up",
            followUpOf: earlier.GetProperty("id").GetString(), followUps: $$"""{"findingId":"{{Guid.NewGuid()}}","status":"closed"}""")));

        Assert.That(followUp.StatusCode, Is.EqualTo(HttpStatusCode.Created), await followUp.Content.ReadAsStringAsync());
        var reread = await BodyAsync(await auditor.GetAsync($"api/v1/audits/{earlier.GetProperty("id").GetString()}"));
        Assert.That(reread.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("status").GetString()), Is.EqualTo(new[] { "closed", "progress" }));
        Assert.That(await OutboxAsync("FindingStatusChanged", overtime), Is.EqualTo(1));
        Assert.That(await OutboxAsync("FindingStatusChanged", discrimination), Is.EqualTo(1));
        Assert.That(stranger.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "a follow-up speaks only of the facility's earlier findings");
    }

    [Test]
    public async Task Should_list_a_facility_s_audits_and_certificates_for_certifiers_and_for_auditors_inside_their_accreditations()
    {
        await RegisterAuditorAsync("reach-lead");
        await RegisterAuditorAsync("reach-peer");
        await RegisterAuditorAsync("reach-smeta", scheme: "smeta");
        await RegisterAuditorAsync("reach-elsewhere", countries: "\"BD\"");
        await RegisterAuditorAsync("reach-cocoa", hsChapters: "\"17\",\"18\"");
        await RegisterAuditorAsync("reach-textiles", hsChapters: "\"52\",\"61\"");
        var gln = NewGln();
        using var lead = Auditor("reach-lead");
        using var created = await lead.PostAsync("api/v1/audits", Json(Audit(gln, $"{DocumentsRetained},{ExcessiveOvertime},{Discrimination}")));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        var auditId = (await BodyAsync(created)).GetProperty("id").GetGuid();
        var number = $"FT-{Guid.NewGuid():N}"[..20];
        using var issued = await _certifier.PostAsync("api/v1/certificates", Json($$"""
            {"scheme":"sa8000","number":"{{number}}","holder":{"gln":"{{gln}}","name":"Mill {{gln}}","country":"GH"},
             "scopeHsCodes":["18"],"validFrom":"2026-01-01","validTo":"2028-12-31"}
            """));
        Assert.That(issued.StatusCode, Is.EqualTo(HttpStatusCode.Created), await issued.Content.ReadAsStringAsync());

        // What a reader gets: the status, the audits' ids and the certificates' numbers.
        async Task<(HttpStatusCode Status, string Audits, string Certificates)> ReadAsync(HttpClient reader, string key)
        {
            using var audits = await reader.GetAsync($"api/v1/facilities/{key}/audits");
            using var certificates = await reader.GetAsync($"api/v1/facilities/{key}/certificates");
            Assert.That(certificates.StatusCode, Is.EqualTo(audits.StatusCode));
            return audits.StatusCode != HttpStatusCode.OK ? (audits.StatusCode, "", "") : (audits.StatusCode,
                string.Join(",", (await BodyAsync(audits)).GetProperty("audits").EnumerateArray().Select(a => a.GetProperty("id").GetString())),
                string.Join(",", (await BodyAsync(certificates)).GetProperty("certificates").EnumerateArray().Select(c => c.GetProperty("number").GetString())));
        }

        using var peer = Auditor("reach-peer");
        using var smeta = Auditor("reach-smeta");
        using var elsewhere = Auditor("reach-elsewhere");
        using var cocoa = Auditor("reach-cocoa");
        using var textiles = Auditor("reach-textiles");
        using var admin = TestIssuer.Shared.ClientFor(_audits, "admin-1", [Roles.Admin]);
        var everything = (HttpStatusCode.OK, auditId.ToString(), number);
        var nothing = (HttpStatusCode.OK, "", "");
        Assert.Multiple(async () =>
        {
            Assert.That(await ReadAsync(_certifier, gln), Is.EqualTo(everything), "a certifier reads all");
            Assert.That(await ReadAsync(admin, gln), Is.EqualTo(everything), "an admin reads all");
            Assert.That(await ReadAsync(lead, gln), Is.EqualTo(everything), "the lead auditor");
            Assert.That(await ReadAsync(peer, gln), Is.EqualTo(everything), "another auditor accredited for SA8000 in Ghana");
            Assert.That(await ReadAsync(smeta, gln), Is.EqualTo(nothing), "accredited for another scheme");
            Assert.That(await ReadAsync(elsewhere, gln), Is.EqualTo(nothing), "accredited in another country");
            Assert.That(await ReadAsync(cocoa, gln), Is.EqualTo(everything), "accredited for the certificate's HS chapter");
            Assert.That(await ReadAsync(textiles, gln), Is.EqualTo((HttpStatusCode.OK, auditId.ToString(), "")),
                "accredited for other HS chapters: the site's audit, not the cocoa certificate");
            Assert.That((await ReadAsync(_certifier, NewGln())).Status, Is.EqualTo(HttpStatusCode.NotFound), "a facility Audits does not know");
            Assert.That((await ReadAsync(_certifier, "not a key")).Status, Is.EqualTo(HttpStatusCode.BadRequest));
        });
        var summary = (await BodyAsync(await _certifier.GetAsync($"api/v1/facilities/{gln}/audits"))).GetProperty("audits")[0];
        Assert.That((summary.GetProperty("findings").GetInt64(), summary.GetProperty("nonCompliances").GetInt64(), summary.GetProperty("zeroTolerance").GetInt64()),
            Is.EqualTo((3L, 3L, 1L)));
        // The audit itself opens for whoever its facility's list shows it to.
        Assert.That((await peer.GetAsync($"api/v1/audits/{auditId}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await smeta.GetAsync($"api/v1/audits/{auditId}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Should_list_and_open_an_audit_only_for_readers_whose_accreditation_reaches_its_HS_chapters()
    {
        // One Ghanaian site's audits: SA8000 of cocoa (chapter 18), of textiles (52), of the whole site (no chapter),
        // and SMETA of cocoa; two SA8000 leads in turn (rotation), accredited in every sector.
        await RegisterAuditorAsync("sector-lead");
        await RegisterAuditorAsync("sector-second");
        await RegisterAuditorAsync("sector-smeta-lead", scheme: "smeta");
        await RegisterAuditorAsync("sector-all");
        await RegisterAuditorAsync("sector-cocoa", hsChapters: "\"17\",\"18\"");
        await RegisterAuditorAsync("sector-textiles", hsChapters: "\"52\",\"61\"");
        await RegisterAuditorAsync("sector-cocoa-bd", countries: "\"BD\"", hsChapters: "\"18\"");
        await RegisterAuditorAsync("sector-cocoa-lapsed", hsChapters: "\"18\"", validTo: "2025-12-31");
        await RegisterAuditorAsync("sector-cocoa-suspended", status: "suspended", hsChapters: "\"18\"");
        await RegisterAuditorAsync("sector-smeta-cocoa", scheme: "smeta", hsChapters: "\"18\"");
        // SA8000 for textiles only and SMETA in every sector: one scheme read by chapter, the other whole.
        using (var both = await _certifier.PostAsync("api/v1/auditors", Json($$"""
            {"id":"sector-both","name":"Auditor both","firm":"Fair Audits","apscaNumber":"{{ApscaOf("sector-both")}}","level":"RA","status":"active",
             "accreditations":[{"scheme":"sa8000","countries":["GH"],"hsChapters":["52"],"validFrom":"2024-01-01","validTo":"2030-12-31"},
                               {"scheme":"smeta","countries":["GH"],"hsChapters":[],"validFrom":"2024-01-01","validTo":"2030-12-31"}]}
            """)))
        {
            Assert.That(both.StatusCode, Is.EqualTo(HttpStatusCode.Created), await both.Content.ReadAsStringAsync());
        }
        var gln = NewGln();
        var audits = new Dictionary<string, string>();
        foreach (var (name, lead, scheme, chapters, month) in new[]
                 {
                     ("cocoa", "sector-lead", "sa8000", "\"18\"", "03"), ("textiles", "sector-second", "sa8000", "\"52\"", "05"),
                     ("site", "sector-lead", "sa8000", "", "07"), ("smeta-cocoa", "sector-smeta-lead", "smeta", "\"18\"", "07"),
                 })
        {
            using var auditor = Auditor(lead);
            using var created = await auditor.PostAsync("api/v1/audits", Json(Audit(gln, scheme: scheme, hsChapters: chapters, start: $"2026-{month}-02",
                end: $"2026-{month}-03", overallResult: scheme == "smeta" ? null : "fail")));
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
            audits[name] = (await BodyAsync(created)).GetProperty("id").GetString()!;
        }
        // Another site's cocoa audit: its id opened by readers of this one.
        using (var second = Auditor("sector-second"))
        using (var elsewhere = await second.PostAsync("api/v1/audits", Json(Audit(NewGln(), hsChapters: "\"18\""))))
        {
            Assert.That(elsewhere.StatusCode, Is.EqualTo(HttpStatusCode.Created), await elsewhere.Content.ReadAsStringAsync());
            audits["other-site-cocoa"] = (await BodyAsync(elsewhere)).GetProperty("id").GetString()!;
        }

        // What a reader is shown: the facility's list (names, sorted, and the total), and each audit id that opens (200) for them.
        async Task<string> ReadAsync(HttpClient reader)
        {
            using var list = await reader.GetAsync($"api/v1/facilities/{gln}/audits");
            var shown = "";
            if (list.StatusCode == HttpStatusCode.OK)
            {
                var body = await BodyAsync(list);
                var ids = body.GetProperty("audits").EnumerateArray().Select(a => a.GetProperty("id").GetString()).ToList();
                shown = string.Join(",", audits.Where(a => ids.Contains(a.Value)).Select(a => a.Key).Order(StringComparer.Ordinal)) + $" ({body.GetProperty("total").GetInt64()})";
            }
            var opened = new List<string>();
            foreach (var (name, id) in audits)
            {
                using var audit = await reader.GetAsync($"api/v1/audits/{id}");
                Assert.That(audit.StatusCode, Is.AnyOf(HttpStatusCode.OK, HttpStatusCode.NotFound, list.StatusCode), name);
                if (audit.StatusCode == HttpStatusCode.OK)
                {
                    opened.Add(name);
                }
            }
            return $"{(int)list.StatusCode} list: {shown} open: {string.Join(",", opened.Order(StringComparer.Ordinal))}";
        }

        using var admin = TestIssuer.Shared.ClientFor(_audits, "admin-1", [Roles.Admin]);
        using var caseworker = TestIssuer.Shared.ClientFor(_audits, "case-1", [Roles.Caseworker]);
        using var auditorWithoutId = TestIssuer.Shared.ClientFor(_audits, "user-no-id", [Roles.Auditor]);
        const string Everything = "200 list: cocoa,site,smeta-cocoa,textiles (4) open: cocoa,other-site-cocoa,site,smeta-cocoa,textiles";
        const string Nothing = "200 list:  (0) open: ";
        var expected = new (HttpClient Reader, string Sees, string Why)[]
        {
            (_certifier, Everything, "a certifier reads every audit"),
            (admin, Everything, "an admin reads every audit"),
            (Auditor("sector-all"), "200 list: cocoa,site,textiles (3) open: cocoa,other-site-cocoa,site,textiles", "SA8000 in Ghana in every sector"),
            (Auditor("sector-lead"), "200 list: cocoa,site,textiles (3) open: cocoa,other-site-cocoa,site,textiles", "a lead, accredited in every sector"),
            (Auditor("sector-cocoa"), "200 list: cocoa,site (2) open: cocoa,other-site-cocoa,site", "SA8000 for chapters 17 and 18: cocoa and the whole site"),
            (Auditor("sector-textiles"), "200 list: site,textiles (2) open: site,textiles", "SA8000 for chapters 52 and 61: not another auditor's cocoa audits"),
            (Auditor("sector-cocoa-bd"), Nothing, "cocoa, in another country"),
            (Auditor("sector-cocoa-lapsed"), Nothing, "cocoa, an accreditation no longer valid"),
            (Auditor("sector-cocoa-suspended"), Nothing, "cocoa, a suspended auditor"),
            (Auditor("sector-smeta-cocoa"), "200 list: smeta-cocoa (1) open: smeta-cocoa", "SMETA for chapter 18: not SA8000's cocoa audits"),
            (Auditor("sector-both"), "200 list: site,smeta-cocoa,textiles (3) open: site,smeta-cocoa,textiles", "SA8000 for textiles and SMETA whole"),
            (Auditor("sector-unregistered"), Nothing, "a token for an auditor the registry does not know"),
            (auditorWithoutId, Nothing, "an auditor token without an auditor id"),
            (caseworker, "403 list:  open: ", "a caseworker reads no audits"),
            (_audits.Http, "401 list:  open: ", "no token"),
        };
        try
        {
            var seen = new List<string>();
            foreach (var (reader, _, _) in expected)
            {
                seen.Add(await ReadAsync(reader));
            }
            Assert.Multiple(() =>
            {
                for (var i = 0; i < expected.Length; i++)
                {
                    Assert.That(seen[i], Is.EqualTo(expected[i].Sees), expected[i].Why);
                }
            });
        }
        finally
        {
            foreach (var (reader, _, _) in expected.Where(e => e.Reader != _certifier && e.Reader != _audits.Http))
            {
                reader.Dispose();
            }
        }
    }

    [Test]
    public async Task Should_page_a_facility_s_audits_newest_first_counting_only_those_the_reader_may_see()
    {
        await RegisterAuditorAsync("pages-lead");
        await RegisterAuditorAsync("pages-second");
        await RegisterAuditorAsync("pages-smeta", scheme: "smeta");
        var gln = NewGln();
        using var lead = Auditor("pages-lead");
        using var second = Auditor("pages-second");
        var ids = new List<string>();
        // Two leads in turn: no auditor may lead a facility's third audit in a row under one scheme (rotation).
        foreach (var (auditor, month) in new[] { (lead, "03"), (second, "05"), (lead, "07") })
        {
            using var created = await auditor.PostAsync("api/v1/audits", Json(Audit(gln, start: $"2026-{month}-02", end: $"2026-{month}-03")));
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
            ids.Insert(0, (await BodyAsync(created)).GetProperty("id").GetString()!);
        }
        using var smeta = Auditor("pages-smeta");

        async Task<(string Ids, long Total)> PageAsync(HttpClient reader, int page)
        {
            var body = await BodyAsync(await reader.GetAsync($"api/v1/facilities/{gln}/audits?page={page}&pageSize=2"));
            return (string.Join(",", body.GetProperty("audits").EnumerateArray().Select(a => a.GetProperty("id").GetString())), body.GetProperty("total").GetInt64());
        }
        using var tooLarge = await lead.GetAsync($"api/v1/facilities/{gln}/audits?pageSize=501");

        Assert.Multiple(async () =>
        {
            Assert.That(await PageAsync(lead, 1), Is.EqualTo((string.Join(",", ids.Take(2)), 3L)), "the newest two of three");
            Assert.That(await PageAsync(lead, 2), Is.EqualTo((ids[2], 3L)));
            Assert.That(await PageAsync(lead, 3), Is.EqualTo(("", 3L)));
            Assert.That(await PageAsync(_certifier, 1), Is.EqualTo((string.Join(",", ids.Take(2)), 3L)));
            Assert.That(await PageAsync(smeta, 1), Is.EqualTo(("", 0L)), "another scheme's auditor: nothing, and nothing counted");
            Assert.That(tooLarge.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That((await BodyAsync(tooLarge)).GetProperty("errors").TryGetProperty("pageSize", out _), Is.True);
        });
    }

    [Test]
    public async Task Should_keep_a_certificates_history_append_only_and_answer_the_public_with_status_and_validity_only()
    {
        var number = $"RA-{Guid.NewGuid():N}"[..20];
        using var issued = await _certifier.PostAsync("api/v1/certificates", Json($$"""
            {"scheme":"Rainforest Alliance","number":"{{number}}","holder":{"gln":"{{NewGln()}}","name":"Estate","country":"GH"},
             "scopeHsCodes":["1801.00"],"validFrom":"2026-01-01","validTo":"2027-12-31"}
            """));
        Assert.That(issued.StatusCode, Is.EqualTo(HttpStatusCode.Created), await issued.Content.ReadAsStringAsync());
        async Task<HttpResponseMessage> Status(string status, HttpClient? client = null) =>
            await (client ?? _certifier).PostAsync($"api/v1/certificates/rainforest-alliance/{number}/status", Json($$"""{"status":"{{status}}","reason":"Audit of {{status}}"}"""));

        using var suspended = await Status("suspended");
        using var reinstated = await Status("valid");
        using var withdrawn = await Status("withdrawn");
        using var withdrawnAgain = await Status("withdrawn");
        using var afterWithdrawal = await Status("valid");
        using var auditor = Auditor("ama-mensah");
        using var byAuditor = await Status("suspended", auditor);
        using var publicAnswer = await _audits.Http.GetAsync($"api/v1/certificates/RAINFOREST%20ALLIANCE/{number}");
        using var unknown = await _audits.Http.GetAsync("api/v1/certificates/rainforest-alliance/NO-SUCH-NUMBER");
        using var history = await _certifier.GetAsync($"api/v1/certificates/rainforest-alliance/{number}/history");
        using var publicHistory = await _audits.Http.GetAsync($"api/v1/certificates/rainforest-alliance/{number}/history");
        using var socialAudit = await _certifier.PostAsync("api/v1/certificates", Json("""
            {"scheme":"smeta","number":"S-1","holder":{"gln":"6291041500213","name":"Estate","country":"GH"},"scopeHsCodes":["18"],"validFrom":"2026-01-01","validTo":"2027-12-31"}
            """));

        Assert.Multiple(async () =>
        {
            Assert.That(new[] { suspended.StatusCode, reinstated.StatusCode, withdrawn.StatusCode, withdrawnAgain.StatusCode }, Has.All.EqualTo(HttpStatusCode.OK));
            Assert.That(afterWithdrawal.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "a withdrawn certificate stays withdrawn");
            Assert.That(byAuditor.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(publicAnswer.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            var verification = await BodyAsync(publicAnswer);
            Assert.That(verification.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[] { "scheme", "number", "status", "validFrom", "validTo" }),
                "the public learns the status and validity, not the holder or the history");
            Assert.That(verification.GetProperty("status").GetString(), Is.EqualTo("withdrawn"));
            Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(publicHistory.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            var entries = (await BodyAsync(history)).GetProperty("history").EnumerateArray().ToList();
            Assert.That(entries.Select(e => e.GetProperty("status").GetString()), Is.EqualTo(new[] { "valid", "suspended", "valid", "withdrawn" }));
            Assert.That(entries.Select(e => e.GetProperty("sequence").GetInt32()), Is.EqualTo(new[] { 1, 2, 3, 4 }));
            Assert.That(await OutboxAsync("CertificateStatusChanged", number), Is.EqualTo(4), "every change is an event; asking for the status it has is none");
            Assert.That(socialAudit.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "SMETA issues no certificates");
        });
    }

    [Test]
    public async Task Should_expire_a_certificate_when_the_clock_passes_its_last_day()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var number = $"FT-{Guid.NewGuid():N}"[..20];
        using var issued = await _certifier.PostAsync("api/v1/certificates", Json($$"""
            {"scheme":"fairtrade","number":"{{number}}","holder":{"gln":"{{NewGln()}}","name":"Co-op","country":"CI"},
             "scopeHsCodes":["18"],"validFrom":"2026-01-01","validTo":"{{today.AddDays(10):yyyy-MM-dd}}"}
            """));
        Assert.That(issued.StatusCode, Is.EqualTo(HttpStatusCode.Created), await issued.Content.ReadAsStringAsync());

        // The service's own job runs on the real clock; this one runs the same code with the clock 12 days on.
        var database = new Traceability.Data.Database(
            Microsoft.Extensions.Options.Options.Create(new Traceability.Data.DatabaseOptions { Provider = "postgres", ConnectionString = _database.ConnectionString, Schema = "audits" }),
            new Traceability.Data.Messaging.OutboxSignal());
        var onDay = (int days) => new Traceability.Audits.Features.Certificates.Certificates(database,
            new Traceability.Audits.Features.KeepFacilities.FacilityDirectory(database), new FixedClock(DateTimeOffset.UtcNow.AddDays(days)));

        Assert.That(await onDay(10).ExpireDueAsync(100, CancellationToken.None), Is.Zero, "valid through its last day");
        Assert.That(await onDay(12).ExpireDueAsync(100, CancellationToken.None), Is.GreaterThanOrEqualTo(1));
        Assert.That(await onDay(13).ExpireDueAsync(100, CancellationToken.None), Is.Zero, "expired once");

        var history = (await BodyAsync(await _certifier.GetAsync($"api/v1/certificates/fairtrade/{number}/history"))).GetProperty("history").EnumerateArray().ToList();
        Assert.That(history.Select(h => h.GetProperty("status").GetString()), Is.EqualTo(new[] { "valid", "expired" }));
        Assert.That(history[1].GetProperty("changedBy").GetString(), Is.EqualTo("clock"));
        Assert.That(history[1].GetProperty("effectiveFrom").GetString(), Is.EqualTo(today.AddDays(11).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(await OutboxAsync("CertificateStatusChanged", "\"status\":\"expired\""), Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public async Task Should_rate_limit_the_public_verification_per_address()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, VerificationBurst * 3).Select(async _ =>
        {
            using var response = await _audits.Http.GetAsync("api/v1/certificates/fairtrade/NONE");
            return (response.StatusCode, RetryAfter: response.Headers.RetryAfter?.Delta);
        }));
        Assert.That(answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests), Is.GreaterThan(0));
        Assert.That(answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).Select(a => a.RetryAfter), Has.All.Not.Null);
        // The bucket fills again: leave it usable for the other specs.
        await Probe.UntilAsync(async () => (await _audits.Http.GetAsync("api/v1/certificates/fairtrade/NONE")).StatusCode == HttpStatusCode.NotFound,
            TimeSpan.FromSeconds(10), "the bucket refills");
    }

    [Test]
    public async Task Should_keep_one_facility_for_a_site_several_exporters_register_and_absorb_a_redelivered_event()
    {
        var gln = NewGln();
        var rival = await ProvenanceAdmin.OnboardAsync(_platform.Provenance, "rival-audits");
        foreach (var exporter in new[] { _acme, rival })
        {
            using var response = await _platform.Provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Post, "api/v1/facilities",
                $$"""{"gln":"{{gln}}","name":"Mill","country":"GH","type":"mill"}""", exporter.Key));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }
        await Probe.UntilAsync(async () => await CountAsync("audits.inbox_message", "consumer = 'audits.keep-facility'") >= 2, TimeSpan.FromSeconds(30),
            "Audits hears of both registrations");
        Assert.That(await CountAsync("audits.facility", "gln = @Gln", new { Gln = gln }), Is.EqualTo(1));

        var redelivered = new Traceability.Contracts.Provenance.FacilityRegistered
        {
            EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = DateTime.UtcNow, FacilityId = Guid.NewGuid(), Revision = 1, Gln = NewGln(),
            Name = "Ginnery", Country = "BF", FacilityType = "ginnery",
        };
        await PublishTwiceAsync(redelivered, redelivered.EventId);
        await Probe.UntilAsync(async () => await CountAsync("audits.inbox_message", "message_id = @Id AND duplicates = 1", new { Id = redelivered.EventId }) == 1,
            TimeSpan.FromSeconds(30), "the second delivery is absorbed");
        Assert.That(await CountAsync("audits.facility", "gln = @Gln", new { redelivered.Gln }), Is.EqualTo(1));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
