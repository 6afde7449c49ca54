using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Traceability.Grievances.Features.ReceiveSms;
using Traceability.Grievances.Privacy;
using Traceability.Hosting;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Traceability.IntegrationTests.Grievances;

/// <summary>
/// Workers file grievances by SMS against Grievances as a process, Provenance announcing facilities and
/// the providers' APIs as WireMock servers: the webhooks, the conversation, replies, cases, privacy.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public class When_workers_file_grievances_by_sms
{
    private GrievancesPlatform _platform = null!;
    private HttpClient _caseworker = null!;
    private string _posterCode = null!;
    private Guid _facilityId;
    private int _sid;
    private ExporterKey _acme = null!;
    private readonly ConcurrentQueue<string> _answers = new();

    [OneTimeSetUp]
    public async Task Start()
    {
        _platform = await GrievancesPlatform.StartAsync(withRisk: true);
        _platform.TwilioApi.Given(Request.Create().WithPath("/2010-04-01/Accounts/*").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json").WithBody("""{"sid":"SM0000000000000000000000000000beef","status":"queued"}"""));
        _caseworker = TestIssuer.Shared.ClientFor(_platform.Grievances, "caseworker-ana", [Roles.Caseworker]);
        _platform.AfricasTalkingApi.Given(Request.Create().WithPath("/version1/messaging").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json")
                .WithBody("""{"SMSMessageData":{"Message":"Sent to 1/1","Recipients":[{"statusCode":101,"number":"+254711000111","status":"Success","cost":"KES 0.8000","messageId":"ATXid_reply_1"}]}}"""));
        _acme = await ProvenanceAdmin.OnboardAsync(_platform.Provenance, "acme");
        (_facilityId, _posterCode) = await RegisterFacilityAsync("7594567000014", "Sunrise Garments Ltd");
    }

    /// <summary>A facility registered with Provenance, once Grievances knows it: its id and poster code.</summary>
    private async Task<(Guid Id, string PosterCode)> RegisterFacilityAsync(string gln, string name)
    {
        using var facility = await _platform.Provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Post, "api/v1/facilities",
            $$"""{"gln":"{{gln}}","name":"{{name}}","country":"BD","type":"factory"}""", _acme.Key));
        Assert.That(facility.StatusCode, Is.EqualTo(HttpStatusCode.Created), await facility.Content.ReadAsStringAsync());
        var id = (await facility.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await Probe.UntilAsync(async () => await _platform.Database.ScalarAsync<long>("SELECT count(*) FROM grievances.facility WHERE id = @Id", new { Id = id }) == 1,
            TimeSpan.FromSeconds(30), "Grievances learns the facility from Provenance");
        return (id, await _platform.Database.ScalarAsync<string>("SELECT poster_code FROM grievances.facility WHERE id = @Id", new { Id = id }));
    }

    [TearDown]
    public void ShowLogOnFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            var log = _platform.Grievances.Log;
            TestContext.Out.WriteLine(log[Math.Max(0, log.Length - 6000)..]);
        }
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _caseworker?.Dispose();
        await _platform.DisposeAsync();
    }

    /// <summary>A worker's SMS as Twilio posts it: signed over the public URL and the form.</summary>
    private async Task<HttpResponseMessage> TwilioAsync(string from, string text, string? messageSid = null, string to = GrievancesPlatform.OurNumber)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("MessageSid", messageSid ?? $"SM{Interlocked.Increment(ref _sid):D32}"), new("AccountSid", GrievancesPlatform.TwilioAccountSid),
            new("From", from), new("To", to), new("Body", text), new("NumMedia", "0"),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "sms/twilio/inbound") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", TwilioVectors.Sign(GrievancesPlatform.TwilioToken, GrievancesPlatform.PublicBaseUrl + "/sms/twilio/inbound", form));
        var response = await _platform.Grievances.Http.SendAsync(request);
        _answers.Enqueue(await response.Content.ReadAsStringAsync());
        return response;
    }

    private async Task<string> SendAndReplyAsync(string from, string text)
    {
        var before = await RepliesAsync(from);
        using var response = await TwilioAsync(from, text);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/xml"));
        IReadOnlyList<string> replies = [];
        await Probe.UntilAsync(async () => (replies = await RepliesAsync(from)).Count > before.Count, TimeSpan.FromSeconds(30), $"a reply to '{text}'");
        return replies[^1];
    }

    /// <summary>The texts the Twilio API received for <paramref name="to"/>, in order.</summary>
    private Task<IReadOnlyList<string>> RepliesAsync(string to) => Task.FromResult<IReadOnlyList<string>>(_platform.TwilioApi.LogEntries
        .Where(e => e.RequestMessage.Path.EndsWith("/Messages.json", StringComparison.Ordinal))
        .Select(e => System.Web.HttpUtility.ParseQueryString(e.RequestMessage.Body ?? ""))
        .Where(f => f["To"] == to)
        .Select(f => f["Body"]!)
        .ToList());

    private async Task<JsonElement> CaseworkerGetAsync(string path)
    {
        using var response = await _caseworker.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        _answers.Enqueue(body);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task<HttpResponseMessage> CaseworkerPostAsync(string path, string json)
    {
        var response = await _caseworker.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        _answers.Enqueue(await response.Content.ReadAsStringAsync());
        return response;
    }

    [Test]
    public async Task Should_pass_every_Twilio_signature_vector_through_the_webhook()
    {
        var vectors = TwilioVectors.All();
        if (vectors.Count == 0)
        {
            Assert.Ignore($"{TwilioVectors.File} is not there.");
        }
        Assert.That(vectors, Has.Count.EqualTo(42));
        var failures = new List<string>();
        foreach (var vector in vectors)
        {
            var account = GrievancesPlatform.VectorAccounts[(vector.WebhookUrl, vector.AuthToken)];
            using var request = new HttpRequestMessage(HttpMethod.Post, $"sms/twilio/inbound/{account}{vector.Query}")
            {
                Content = vector.Body is null ? new FormUrlEncodedContent(vector.Params) : new StringContent(vector.Body, Encoding.UTF8, "application/json"),
            };
            request.Headers.TryAddWithoutValidation("X-Twilio-Signature", vector.Signature);
            using var response = await _platform.Grievances.Http.SendAsync(request);
            // A vector's parameters are a voice call's, not an SMS: past the signature, the fields are refused (400), never 403.
            var accepted = response.StatusCode != HttpStatusCode.Forbidden;
            if (accepted != vector.Valid)
            {
                failures.Add($"{vector}: answered {(int)response.StatusCode}");
            }
            else if (vector.Valid)
            {
                Assert.That((int)response.StatusCode, Is.AnyOf(200, 400), vector.ToString());
            }
        }
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
        Assert.That(await _platform.Database.ScalarAsync<long>("SELECT count(*) FROM grievances.inbound_message WHERE gateway_message_id LIKE 'CA%'"), Is.Zero,
            "no vector is an SMS, so none is stored");
    }

    [Test]
    public async Task Should_run_a_whole_conversation_and_never_show_the_number_outside_the_audited_reveal()
    {
        const string phone = "+8801712345678";
        var logsBefore = (_platform.Grievances.Log.Length, _platform.Provenance.Log.Length, _platform.Risk!.Log.Length);
        var busBefore = _platform.BusMessages.Count;
        var answersBefore = _answers.Count;

        Assert.That(await SendAndReplyAsync(phone, "?"), Does.StartWith("Language?"));
        Assert.That(await SendAndReplyAsync(phone, "4"), Does.Contain("পোস্টারের কোড"));
        Assert.That(await SendAndReplyAsync(phone, _posterCode.ToLowerInvariant()), Does.StartWith("কী হয়েছে?"));
        Assert.That(await SendAndReplyAsync(phone, "2"), Does.Contain("নিজের ভাষায়"));
        Assert.That(await SendAndReplyAsync(phone, "The supervisor keeps our passports since March."), Does.Contain("যোগাযোগ"));
        var filed = await SendAndReplyAsync(phone, "1");
        var reference = System.Text.RegularExpressions.Regex.Match(filed, "GR-[2-9A-HJ-NP-Z]{6}").Value;
        Assert.That(reference, Is.Not.Empty, filed);

        Assert.That(await SendAndReplyAsync(phone, $"STATUS {reference.ToLowerInvariant()}"), Does.Contain(reference));

        // The gateway retries a message it already delivered: answered alike, stored once.
        using (var again = await TwilioAsync(phone, "1", $"SM{_sid:D32}"))
        {
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        Assert.That(await _platform.Database.ScalarAsync<long>("SELECT count(*) FROM grievances.inbound_message WHERE gateway_message_id = @Id",
            new { Id = $"SM{_sid:D32}" }), Is.EqualTo(1));

        // The caseworker's side.
        var page = await CaseworkerGetAsync($"api/v1/cases?facilityId={_facilityId}");
        var summary = page.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("reference").GetString() == reference);
        Assert.That(summary.GetProperty("category").GetString(), Is.EqualTo("documents-retained"));
        Assert.That(summary.GetProperty("iloIndicators")[0].GetString(), Is.EqualTo("retention-of-identity-documents"));
        Assert.That(summary.GetProperty("language").GetString(), Is.EqualTo("bn"));
        var id = summary.GetProperty("id").GetGuid();
        Assert.That((summary.GetProperty("feedbackBy").GetDateTime() - summary.GetProperty("filedAt").GetDateTime()).TotalDays, Is.InRange(89, 92));
        Assert.That((summary.GetProperty("acknowledgeBy").GetDateTime() - summary.GetProperty("filedAt").GetDateTime()).TotalDays, Is.EqualTo(7).Within(0.001));

        using (var acknowledged = await CaseworkerPostAsync($"api/v1/cases/{id}/acknowledge", """{"note":"Assigned."}"""))
        {
            Assert.That(acknowledged.StatusCode, Is.EqualTo(HttpStatusCode.OK), await acknowledged.Content.ReadAsStringAsync());
        }
        using (var twice = await CaseworkerPostAsync($"api/v1/cases/{id}/acknowledge", "{}"))
        {
            Assert.That(twice.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        }
        var repliesBefore = (await RepliesAsync(phone)).Count;
        using (var asked = await CaseworkerPostAsync($"api/v1/cases/{id}/questions", """{"question":"Since which month?"}"""))
        {
            Assert.That(asked.StatusCode, Is.EqualTo(HttpStatusCode.OK), await asked.Content.ReadAsStringAsync());
        }
        await Probe.UntilAsync(async () => (await RepliesAsync(phone)).Count > repliesBefore, TimeSpan.FromSeconds(30), "the question reaches the worker");
        Assert.That((await RepliesAsync(phone))[^1], Does.Contain("Since which month?").And.Contain(reference));
        using (var answer = await TwilioAsync(phone, "Since March, all twelve of us."))
        {
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        await Probe.UntilAsync(async () => (await CaseworkerGetAsync($"api/v1/cases/{id}")).GetProperty("case").GetProperty("status").GetString() == "acknowledged",
            TimeSpan.FromSeconds(30), "the worker's answer returns the case to the caseworker");
        var detail = await CaseworkerGetAsync($"api/v1/cases/{id}");
        Assert.That(detail.GetProperty("description").GetString(), Is.EqualTo("The supervisor keeps our passports since March."));
        Assert.That(detail.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("action").GetString()),
            Is.EqualTo(new[] { "filed", "acknowledged", "asked-worker", "worker-replied" }));

        repliesBefore = (await RepliesAsync(phone)).Count;
        using (var closed = await CaseworkerPostAsync($"api/v1/cases/{id}/close", """{"outcome":"resolved","note":"Passports returned."}"""))
        {
            Assert.That(closed.StatusCode, Is.EqualTo(HttpStatusCode.OK), await closed.Content.ReadAsStringAsync());
        }
        await Probe.UntilAsync(async () => (await RepliesAsync(phone)).Count > repliesBefore, TimeSpan.FromSeconds(30), "the outcome reaches the worker");
        Assert.That((await RepliesAsync(phone))[^1], Does.Contain(reference).And.Contain("সমস্যার সমাধান"));

        // Every reply went to the provider exactly once. The last one reaches the provider a moment before Grievances stores
        // Twilio's answer to it (on a busy machine the test can look in between): waited for, a reply sent twice stays one
        // request too many and fails.
        long sent = 0, requests = 0;
        await Probe.UntilAsync(async () =>
            {
                sent = await _platform.Database.ScalarAsync<long>("SELECT count(*) FROM grievances.outbound_message WHERE gateway = 'twilio' AND status IN ('sent', 'delivered')");
                requests = _platform.TwilioApi.LogEntries.Count(e => e.RequestMessage.Method == "POST" && e.RequestMessage.Path.EndsWith("/Messages.json", StringComparison.Ordinal));
                return requests == sent;
            }, TimeSpan.FromSeconds(30), "every reply stored as sent was sent once");
        Assert.That(requests, Is.EqualTo(sent));

        // Bus: GrievanceFiled carries the pseudonym, and no message carries the number.
        await Probe.UntilAsync(() => Task.FromResult(_platform.BusMessages.Any(m => m.Body.Contains(reference, StringComparison.Ordinal) && m.Exchange.EndsWith("GrievanceFiled", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(30), "GrievanceFiled is published");
        var filedMessage = _platform.BusMessages.First(m => m.Exchange.EndsWith("GrievanceFiled", StringComparison.Ordinal) && m.Body.Contains(reference, StringComparison.Ordinal));
        Assert.That(filedMessage.Body, Does.Match("\"senderPseudonym\": ?\"p_[0-9a-f]{32}\"").And.Contain(_facilityId.ToString()));
        Assert.That(filedMessage.Body, Does.Not.Contain("passports"));
        await Probe.UntilAsync(() => Task.FromResult(_platform.BusMessages.Count(m => m.Exchange.EndsWith("GrievanceStatusChanged", StringComparison.Ordinal)
            && m.Body.Contains(id.ToString(), StringComparison.Ordinal)) == 4), TimeSpan.FromSeconds(30),
            "GrievanceStatusChanged for acknowledged, asked, answered and closed");
        await Probe.UntilAsync(async () => await _platform.Database.ScalarAsync<string?>("SELECT outcome FROM risk.grievance_signal WHERE case_id = @Id", new { Id = id }) == "resolved",
            TimeSpan.FromSeconds(30), "Risk keeps the outcome (a case closed as not substantiated stops counting towards a repeat)");
        Assert.That(_platform.BusMessages.Any(m => m.Exchange.EndsWith("GrievanceStatusChanged", StringComparison.Ordinal) && m.Body.Contains(id.ToString(), StringComparison.Ordinal)
            && System.Text.RegularExpressions.Regex.IsMatch(m.Body, "\"status\": ?\"closed\"") && System.Text.RegularExpressions.Regex.IsMatch(m.Body, "\"outcome\": ?\"resolved\"")));

        var forms = new[] { phone, phone[1..], PhoneNumberForm.National(phone), "01712345678", "1712345678", "01712-345678" }.Distinct().ToList();
        var places = new List<(string Where, string Text)>
        {
            ("Grievances log", _platform.Grievances.Log[logsBefore.Item1..]),
            ("Provenance log", _platform.Provenance.Log[logsBefore.Item2..]),
            ("Risk log", _platform.Risk!.Log[logsBefore.Item3..]),
        };
        places.AddRange(_platform.BusMessages.Skip(busBefore).Select(m => ($"bus message on {m.Exchange}", m.Body)));
        places.AddRange(_answers.Skip(answersBefore).Select(a => ("API answer", a)));
        Assert.That(places.Count(p => p.Where.StartsWith("bus", StringComparison.Ordinal)), Is.GreaterThan(10), "the bus was tapped");
        var leaks = places.SelectMany(p => forms.Where(f => p.Text.Contains(f, StringComparison.Ordinal)).Select(f => $"{p.Where} shows {f}")).ToList();
        Assert.That(leaks, Is.Empty);

        // The one place the number is shown: to a caseworker, with a reason, kept in the history.
        using var reveal = await _caseworker.PostAsync($"api/v1/cases/{id}/reveal-contact", new StringContent("""{"reason":"Worker asked for a call."}""", Encoding.UTF8, "application/json"));
        Assert.That(reveal.StatusCode, Is.EqualTo(HttpStatusCode.OK), await reveal.Content.ReadAsStringAsync());
        Assert.That((await reveal.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("phoneNumber").GetString(), Is.EqualTo(phone));
        var history = (await CaseworkerGetAsync($"api/v1/cases/{id}")).GetProperty("history").EnumerateArray().ToList();
        Assert.That(history[^1].GetProperty("action").GetString(), Is.EqualTo("contact-revealed"));
        Assert.That(history[^1].GetProperty("actor").GetString(), Is.EqualTo("caseworker-ana"));
        Assert.That(_platform.Grievances.Log[logsBefore.Item1..], Does.Contain("revealed the contact of case"));
        Assert.That(forms.Where(f => _platform.Grievances.Log.Contains(f, StringComparison.Ordinal)), Is.Empty, "the reveal is logged without the number");
    }

    [Test]
    public async Task Should_start_anew_after_an_idle_session_and_keep_the_grievance_filed_before()
    {
        const string phone = "+8801712000301";
        foreach (var text in new[] { "1", _posterCode, "1", "Wages of October not paid.", "2" })
        {
            await SendAndReplyAsync(phone, text);
        }
        var filed = (await RepliesAsync(phone))[^1];
        var reference = System.Text.RegularExpressions.Regex.Match(filed, "GR-[2-9A-HJ-NP-Z]{6}").Value;
        Assert.That(reference, Is.Not.Empty, filed);

        // A second grievance, left after the category question.
        Assert.That(await SendAndReplyAsync(phone, _posterCode), Does.StartWith("Language?"));
        Assert.That(await SendAndReplyAsync(phone, "1"), Does.StartWith("What happened?"));
        var session = await _platform.Database.ScalarAsync<double>("""
            SELECT EXTRACT(EPOCH FROM s.session_expires_at - s.updated_at) FROM grievances.sender s
            JOIN grievances.grievance_case c ON c.pseudonym = s.pseudonym WHERE c.reference = @Reference
            """, new { Reference = reference });
        Assert.That(session, Is.EqualTo(30 * 60), "a session lasts Sms__SessionMinutes after the last message");

        // The worker stays away past the session: its end is moved into the past, as the clock would.
        await _platform.Database.ScalarAsync<long>("""
            UPDATE grievances.sender SET session_expires_at = session_expires_at - interval '31 minutes'
            WHERE pseudonym = (SELECT pseudonym FROM grievances.grievance_case WHERE reference = @Reference) RETURNING 1
            """, new { Reference = reference });
        // "3" would have been a category (threats): after the idle session it is a choice of language (French).
        Assert.That(await SendAndReplyAsync(phone, "3"), Does.StartWith("Où travaillez-vous ?"));
        Assert.That(await SendAndReplyAsync(phone, $"STATUS {reference}"), Does.Contain(reference), "the grievance filed before is still the worker's");
        var cases = await _platform.Database.ScalarAsync<long>("""
            SELECT count(*) FROM grievances.grievance_case WHERE pseudonym = (SELECT pseudonym FROM grievances.grievance_case WHERE reference = @Reference)
            """, new { Reference = reference });
        Assert.That(cases, Is.EqualTo(1), "the abandoned draft filed nothing, the filed grievance stays");
    }

    [Test]
    public async Task Should_send_nothing_after_STOP_until_START_not_even_a_caseworkers_question()
    {
        const string phone = "+8801712000303";
        foreach (var text in new[] { "1", "0", "5", "Sixteen hours a day in the peak season.", "1" })
        {
            await SendAndReplyAsync(phone, text);
        }
        var reference = System.Text.RegularExpressions.Regex.Match((await RepliesAsync(phone))[^1], "GR-[2-9A-HJ-NP-Z]{6}").Value;
        var id = await _platform.Database.ScalarAsync<Guid>("SELECT id FROM grievances.grievance_case WHERE reference = @Reference", new { Reference = reference });

        Assert.That(await SendAndReplyAsync(phone, "STOP"), Does.StartWith("You will get no more messages from us."));
        var repliesAfterStop = await _platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM grievances.outbound_message o JOIN grievances.grievance_case c ON c.pseudonym = o.pseudonym WHERE c.id = @Id", new { Id = id });
        using (var ignored = await TwilioAsync(phone, "hello", "SMstopped0000000000000000000000001"))
        {
            Assert.That(ignored.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        await Probe.UntilAsync(async () => await _platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM grievances.inbound_message WHERE gateway_message_id = 'SMstopped0000000000000000000000001' AND processed_at IS NOT NULL") == 1,
            TimeSpan.FromSeconds(30), "the message after STOP is read");
        using (var asked = await CaseworkerPostAsync($"api/v1/cases/{id}/questions", """{"question":"Which season?"}"""))
        {
            Assert.That(asked.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "a worker who sent STOP is not asked");
        }
        Assert.That(await _platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM grievances.outbound_message o JOIN grievances.grievance_case c ON c.pseudonym = o.pseudonym WHERE c.id = @Id", new { Id = id }),
            Is.EqualTo(repliesAfterStop), "nothing is queued for the worker after STOP");

        Assert.That(await SendAndReplyAsync(phone, "START"), Does.StartWith("Messages are on again."));
        using (var asked = await CaseworkerPostAsync($"api/v1/cases/{id}/questions", """{"question":"Which season?"}"""))
        {
            Assert.That(asked.StatusCode, Is.EqualTo(HttpStatusCode.OK), await asked.Content.ReadAsStringAsync());
        }
        await Probe.UntilAsync(async () => (await RepliesAsync(phone))[^1].Contains("Which season?", StringComparison.Ordinal), TimeSpan.FromSeconds(30),
            "after START the caseworker's question reaches the worker");
    }

    [Test]
    public async Task Should_give_a_facility_whose_poster_code_is_taken_the_next_free_code()
    {
        // Two facility ids whose first candidate codes collide (a birthday search over 2^30 codes, the same every run).
        var random = new Random(20261126);
        var seen = new Dictionary<string, Guid>();
        Guid first, second;
        while (true)
        {
            var bytes = new byte[16];
            random.NextBytes(bytes);
            var id = new Guid(bytes);
            var code = Traceability.Grievances.Features.KeepFacilities.PosterCodes.For(id);
            if (seen.TryGetValue(code, out var other))
            {
                (first, second) = (other, id);
                break;
            }
            seen[code] = id;
        }
        foreach (var (id, name) in new[] { (first, "Collision Mill One"), (second, "Collision Mill Two") })
        {
            await TestBus.PublishAsync(_platform.VirtualHost, new Traceability.Contracts.Provenance.FacilityRegistered
            {
                EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = DateTime.UtcNow, FacilityId = id, Revision = 1, Name = name, Country = "BD",
                FacilityType = "factory",
            });
            await Probe.UntilAsync(async () => await _platform.Database.ScalarAsync<long>("SELECT count(*) FROM grievances.facility WHERE id = @Id", new { Id = id }) == 1,
                TimeSpan.FromSeconds(30), $"Grievances keeps {name}");
        }
        var codes = Traceability.Grievances.Features.KeepFacilities.PosterCodes.Candidates(second).Take(2).ToList();
        Assert.That(await _platform.Database.ScalarAsync<string>("SELECT poster_code FROM grievances.facility WHERE id = @Id", new { Id = first }), Is.EqualTo(codes[0]));
        Assert.That(await _platform.Database.ScalarAsync<string>("SELECT poster_code FROM grievances.facility WHERE id = @Id", new { Id = second }), Is.EqualTo(codes[1]),
            "the taken code is passed over for the next candidate");
        // A worker who texts the second mill's code names the second mill.
        const string phone = "+8801712000302";
        await SendAndReplyAsync(phone, codes[1]);
        Assert.That(await SendAndReplyAsync(phone, "1"), Does.StartWith("What happened?"));
        foreach (var text in new[] { "8", "The fire exit is locked.", "2" })
        {
            await SendAndReplyAsync(phone, text);
        }
        Assert.That(await _platform.Database.ScalarAsync<string>("""
            SELECT c.facility_ids FROM grievances.grievance_case c JOIN grievances.sender s ON s.pseudonym = c.pseudonym
            WHERE c.category = 'safety' AND c.facility_name = 'Collision Mill Two'
            """), Is.EqualTo(second.ToString()));
    }

    [Test]
    public async Task Should_flag_the_workplace_medium_for_a_forced_labour_grievance_and_high_for_three_in_30_days()
    {
        var (_, code) = await RegisterFacilityAsync("7594567000021", "Harbour Knitwear");
        using var risk = TestIssuer.Shared.ClientFor(_platform.Risk!, "risk-admin", [Roles.Admin]);
        async Task<JsonElement?> FlagAsync()
        {
            var page = await risk.GetFromJsonAsync<JsonElement>("api/v1/flags?subjectType=facility&subjectId=7594567000021");
            return page.GetProperty("items").EnumerateArray().Cast<JsonElement?>().FirstOrDefault(f => f!.Value.GetProperty("ruleId").GetString() == "grievance-forced-labour");
        }
        async Task FileAsync(string from, string category)
        {
            // The poster code first, then the language: the messages are read in the order they came.
            foreach (var text in new[] { code, "1", category, "Words Risk must never see.", "2" })
            {
                using var response = await TwilioAsync(from, text);
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            }
        }
        await FileAsync("+8801712000201", "8");
        await FileAsync("+8801712000202", "1");
        await Probe.UntilAsync(async () => await FlagAsync() is not null, TimeSpan.FromSeconds(30), "Risk flags the workplace");
        var flag = (await FlagAsync())!.Value;
        Assert.That(flag.GetProperty("severity").GetString(), Is.EqualTo("medium"), "a safety grievance does not count; one of wages withheld does");
        Assert.That(flag.GetProperty("scopeCountry").GetString(), Is.EqualTo("BD"));
        Assert.That(flag.GetRawText(), Does.Not.Contain("Words Risk must never see").And.Not.Contain("8801712000202"));

        await FileAsync("+8801712000203", "6");
        await FileAsync("+8801712000204", "2");
        await Probe.UntilAsync(async () => (await FlagAsync())?.GetProperty("severity").GetString() == "high", TimeSpan.FromSeconds(30),
            "three forced-labour grievances within 30 days raise the flag to high");
        Assert.That(await _platform.Database.ScalarAsync<long>("SELECT count(*) FROM risk.flag WHERE subject_id = '7594567000021' AND rule_id = 'grievance-forced-labour'"), Is.EqualTo(1), "one open flag, evidence appended");
        Assert.That(await _platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM risk.flag_evidence e JOIN risk.flag f ON f.id = e.flag_id WHERE f.subject_id = '7594567000021' AND f.rule_id = 'grievance-forced-labour' AND e.source = 'grievance'"), Is.EqualTo(3));
        await Probe.UntilAsync(async () => await _platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM grievances.outbound_message WHERE status IN ('queued', 'sending')") == 0, TimeSpan.FromSeconds(30), "every reply is sent");
    }

    [Test]
    public async Task Should_print_a_poster_and_show_counts_outside_caseworkers_only_from_five()
    {
        using (var poster = await _caseworker.GetAsync($"api/v1/facilities/{_facilityId}/poster.svg?languages=en,bn"))
        {
            Assert.That(poster.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(poster.Content.Headers.ContentType!.MediaType, Is.EqualTo("image/svg+xml"));
            var svg = System.Xml.Linq.XDocument.Parse(await poster.Content.ReadAsStringAsync());
            var text = string.Concat(svg.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value + "\n"));
            Assert.That(text, Does.Contain(_posterCode).And.Contain(GrievancesPlatform.OurNumber).And.Contain("Sunrise Garments Ltd"));
            Assert.That(text, Does.Contain($"Text {_posterCode} to").And.Contain("কাজে সমস্যা?"));
        }
        using (var auditor = TestIssuer.Shared.ClientFor(_platform.Grievances, "auditor-1", [Roles.Auditor]))
        {
            using var cases = await auditor.GetAsync("api/v1/cases");
            Assert.That(cases.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "auditors never see a case");
            var seeded = await GrievancesPlatform.SeedCaseAsync(_platform.Database, _facilityId, "forced-overtime", count: 5);
            var counts = await auditor.GetFromJsonAsync<JsonElement>("api/v1/grievance-counts");
            var rows = counts.EnumerateArray().Where(c => c.GetProperty("facilityId").GetGuid() == _facilityId).ToList();
            Assert.That(rows.Single(r => r.GetProperty("category").GetString() == "forced-overtime").GetProperty("cases").GetInt32(), Is.EqualTo(5));
            Assert.That(rows.Where(r => r.GetProperty("category").GetString() != "forced-overtime"), Has.All.Matches<JsonElement>(
                r => r.GetProperty("suppressed").GetBoolean() && r.GetProperty("cases").ValueKind == JsonValueKind.Null), "below five, no number");
        }
        var asCaseworker = await CaseworkerGetAsync("api/v1/grievance-counts");
        Assert.That(asCaseworker.EnumerateArray().Where(c => c.GetProperty("facilityId").GetGuid() == _facilityId), Has.All.Matches<JsonElement>(
            r => !r.GetProperty("suppressed").GetBoolean()));
        using var anonymous = await _platform.Grievances.Http.GetAsync("api/v1/grievance-counts");
        Assert.That(anonymous.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Should_refuse_forged_tampered_and_unsigned_webhooks_and_store_nothing()
    {
        var before = await _platform.Database.ScalarAsync<long>("SELECT count(*) FROM grievances.inbound_message");
        var logBefore = _platform.Grievances.Log.Length;
        var form = new List<KeyValuePair<string, string>> { new("MessageSid", "SMforged0001"), new("From", "+8801812345678"), new("To", GrievancesPlatform.OurNumber), new("Body", "hi") };
        var signature = TwilioVectors.Sign(GrievancesPlatform.TwilioToken, GrievancesPlatform.PublicBaseUrl + "/sms/twilio/inbound", form);
        var tampered = form.Select(p => p.Key == "Body" ? new KeyValuePair<string, string>("Body", "hi!") : p).ToList();
        foreach (var (content, header) in new[]
        {
            (form, (string?)null),
            (form, "bm90IGEgc2lnbmF0dXJl"),
            (tampered, signature),
            (form, TwilioVectors.Sign("another-token", GrievancesPlatform.PublicBaseUrl + "/sms/twilio/inbound", form)),
            (form, TwilioVectors.Sign(GrievancesPlatform.TwilioToken, "http://127.0.0.1/sms/twilio/inbound", form)),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "sms/twilio/inbound") { Content = new FormUrlEncodedContent(content) };
            if (header is not null)
            {
                request.Headers.Add("X-Twilio-Signature", header);
            }
            using var response = await _platform.Grievances.Http.SendAsync(request);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        }
        using (var wrongSecret = await _platform.Grievances.Http.PostAsync("sms/africastalking/inbound/not-the-secret", new FormUrlEncodedContent(form)))
        {
            Assert.That(wrongSecret.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        }
        using (var unsignedGeneric = await _platform.Grievances.Http.PostAsync("sms/generic/inbound", new StringContent("""{"id":"g1","from":"+8801812345678","to":"+15005550006","text":"hi"}""", Encoding.UTF8, "application/json")))
        {
            Assert.That(unsignedGeneric.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        }
        Assert.That(await _platform.Database.ScalarAsync<long>("SELECT count(*) FROM grievances.inbound_message"), Is.EqualTo(before));
        var lines = _platform.Grievances.Log[logBefore..].Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.Contains("Microsoft.AspNetCore", StringComparison.Ordinal) && !l.Contains("System.Net.Http", StringComparison.Ordinal) && !l.Contains("Traceability.ClientErrors", StringComparison.Ordinal));
        Assert.That(lines, Is.All.Contain("Refused a"), "nothing is logged but the refusal");
        Assert.That(_platform.Grievances.Log[logBefore..], Does.Not.Contain("8801812345678").And.Not.Contain("SMforged"));
    }

    [Test]
    public async Task Should_take_Africas_Talking_and_generic_gateway_messages_and_their_delivery_reports()
    {
        var at = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["from"] = "+254711000111", ["to"] = GrievancesPlatform.OurNumber, ["text"] = "habari", ["date"] = "2026-11-26 10:00:00", ["id"] = "ATXid_0001", ["linkId"] = "L1",
        });
        using (var response = await _platform.Grievances.Http.PostAsync($"sms/africastalking/inbound/{GrievancesPlatform.AfricasTalkingSecret}", at))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        }
        // The reply goes back through Africa's Talking's API, in Swahili (detected from "habari").
        await Probe.UntilAsync(() => Task.FromResult(_platform.AfricasTalkingApi.LogEntries.Any()), TimeSpan.FromSeconds(30), "Africa's Talking gets the reply");
        var atRequest = System.Web.HttpUtility.ParseQueryString(_platform.AfricasTalkingApi.LogEntries.First().RequestMessage.Body!);
        Assert.That((atRequest["username"], atRequest["to"], atRequest["message"]), Is.EqualTo(("sandbox", "+254711000111", "Unafanya kazi wapi? Tuma namba ya bango (kama K7M2QX) au jina la mahali pa kazi.")));
        Assert.That(_platform.AfricasTalkingApi.LogEntries.First().RequestMessage.Headers!["apiKey"][0], Is.EqualTo("at-api-key"));
        await Probe.UntilAsync(async () => await _platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM grievances.outbound_message WHERE gateway = 'africastalking' AND provider_message_id = 'ATXid_reply_1' AND status = 'sent'") == 1,
            TimeSpan.FromSeconds(30), "Africa's Talking's message id is kept");
        using (var atReport = await _platform.Grievances.Http.PostAsync($"sms/africastalking/delivery/{GrievancesPlatform.AfricasTalkingSecret}",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["id"] = "ATXid_reply_1", ["status"] = "Success", ["phoneNumber"] = "+254711000111" })))
        {
            Assert.That(atReport.StatusCode, Is.EqualTo(HttpStatusCode.OK), await atReport.Content.ReadAsStringAsync());
        }
        Assert.That(await _platform.Database.ScalarAsync<string>("SELECT status FROM grievances.outbound_message WHERE provider_message_id = 'ATXid_reply_1'"), Is.EqualTo("delivered"));

        // Twilio's status callback, signed like its webhooks.
        var status = new List<KeyValuePair<string, string>> { new("MessageSid", "SM0000000000000000000000000000beef"), new("MessageStatus", "undelivered"), new("ErrorCode", "30003") };
        using (var request = new HttpRequestMessage(HttpMethod.Post, "sms/twilio/status") { Content = new FormUrlEncodedContent(status) })
        {
            request.Headers.Add("X-Twilio-Signature", TwilioVectors.Sign(GrievancesPlatform.TwilioToken, GrievancesPlatform.PublicBaseUrl + "/sms/twilio/status", status));
            using var response = await _platform.Grievances.Http.SendAsync(request);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), await response.Content.ReadAsStringAsync());
        }
        Assert.That(await _platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM grievances.outbound_message WHERE provider_message_id = 'SM0000000000000000000000000000beef' AND status = 'failed' AND error = '30003'"),
            Is.GreaterThan(0), "Twilio's undelivered report marks its message failed, with Twilio's error code");

        _platform.GenericApi.Given(Request.Create().WithPath("/messages").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("""{"id":"gen-7"}"""));
        var body = Encoding.UTF8.GetBytes("""{"id":"gen-0001","from":"+62811000222","to":"+15005550006","text":"halo"}""");
        using (var request = new HttpRequestMessage(HttpMethod.Post, "sms/generic/inbound") { Content = new ByteArrayContent(body) })
        {
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            request.Headers.Add("X-Signature", ReceiveSmsEndpoints.GenericSignature(GrievancesPlatform.GenericSecret, body));
            using var response = await _platform.Grievances.Http.SendAsync(request);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        }
        await Probe.UntilAsync(() => Task.FromResult(_platform.GenericApi.LogEntries.Any()), TimeSpan.FromSeconds(30), "the generic gateway gets the reply");
        var sent = _platform.GenericApi.LogEntries.First().RequestMessage;
        var json = JsonDocument.Parse(sent.Body!).RootElement;
        Assert.That(json.GetProperty("text").GetString(), Does.StartWith("Di mana Anda bekerja?"));
        Assert.That(sent.Headers!["X-Signature"][0], Is.EqualTo(ReceiveSmsEndpoints.GenericSignature(GrievancesPlatform.GenericSecret, Encoding.UTF8.GetBytes(sent.Body!))));
        var outboundId = "7";
        await Probe.UntilAsync(async () => await _platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM grievances.outbound_message WHERE provider_message_id = @P AND status = 'sent'", new { P = $"gen-{outboundId}" }) == 1,
            TimeSpan.FromSeconds(30), "the provider's id is kept");

        var report = Encoding.UTF8.GetBytes($$"""{"id":"gen-{{outboundId}}","status":"delivered"}""");
        using (var request = new HttpRequestMessage(HttpMethod.Post, "sms/generic/delivery") { Content = new ByteArrayContent(report) })
        {
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            request.Headers.Add("X-Signature", ReceiveSmsEndpoints.GenericSignature(GrievancesPlatform.GenericSecret, report));
            using var response = await _platform.Grievances.Http.SendAsync(request);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), await response.Content.ReadAsStringAsync());
        }
        Assert.That(await _platform.Database.ScalarAsync<string>("SELECT status FROM grievances.outbound_message WHERE provider_message_id = @P", new { P = $"gen-{outboundId}" }),
            Is.EqualTo("delivered"));
    }
}
