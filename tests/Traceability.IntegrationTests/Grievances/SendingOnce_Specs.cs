using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Traceability.Hosting;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Types;
using WireMock.Util;

namespace Traceability.IntegrationTests.Grievances;

/// <summary>
/// A reply is never sent twice, whatever the provider does: Twilio and Africa's Talking take no idempotency
/// key, so only a send that surely never reached them is made again; a send whose answer was lost is
/// looked up at Twilio (its message list, its status callback naming our reply) or stays unknown and is
/// shown to caseworkers. The providers are WireMock servers that count every request they take.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public class When_a_provider_leaves_a_send_in_doubt
{
    private GrievancesPlatform _platform = null!;
    private int _africasTalkingPort;
    private int _sid;
    private int _sender;

    /// <summary>What the Twilio API took (answered 201 or would have): the message list answers from it.</summary>
    private readonly ConcurrentQueue<(string Sid, string To, string From, string Body, DateTime Created)> _taken = new();

    /// <summary>Every Messages POST the Twilio API received, with how it answered.</summary>
    private readonly ConcurrentQueue<(string To, int Status, string? StatusCallback)> _posts = new();

    [OneTimeSetUp]
    public async Task Start()
    {
        _africasTalkingPort = FreePort();
        _platform = await GrievancesPlatform.StartAsync(withRisk: false, new Dictionary<string, string>
        {
            // An attempt gives up after 2 s; the provider below takes longer when a test wants it to.
            ["Sms__Resilience__AttemptTimeout__Timeout"] = "00:00:02",
            ["Sms__Resilience__TotalRequestTimeout__Timeout"] = "00:00:06",
            ["Sms__Resilience__CircuitBreaker__SamplingDuration"] = "00:00:10",
            ["Sms__ReconcileAfter"] = "00:00:01",
            // Nothing listens there until a test starts Africa's Talking on it.
            ["Sms__AfricasTalking__ApiBaseUrl"] = $"http://127.0.0.1:{_africasTalkingPort}",
        });
    }

    [OneTimeTearDown]
    public async Task Stop() => await _platform.DisposeAsync();

    [TearDown]
    public void ShowLogOnFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            var log = _platform.Grievances.Log;
            TestContext.Out.WriteLine(log[Math.Max(0, log.Length - 8000)..]);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Twilio's Messages API: each POST answered by <paramref name="answer"/> (by the call's number: status, delay, and
    /// whether Twilio took the message), and the message list answering what was taken (or <paramref name="listStatus"/>),
    /// each message as far as <paramref name="listed"/> says it got (Twilio's status, error_code and error_message).
    /// </summary>
    private void TwilioAnswers(Func<int, (int Status, TimeSpan Delay, bool Taken)> answer, int listStatus = 200,
        (string Status, int? ErrorCode, string? ErrorMessage)? listed = null)
    {
        var (listedStatus, errorCode, errorMessage) = listed ?? ("sent", null, null);
        // A message Twilio has not sent yet has no date_sent and no price.
        var unsent = listedStatus is "queued" or "accepted" or "scheduled";
        _platform.TwilioApi.Reset();
        var calls = 0;
        _platform.TwilioApi.Given(Request.Create().WithPath("/2010-04-01/Accounts/*/Messages.json").UsingPost())
            .RespondWith(Response.Create().WithCallback(async request =>
            {
                var form = System.Web.HttpUtility.ParseQueryString(request.Body ?? "");
                var (status, delay, taken) = answer(Interlocked.Increment(ref calls));
                var sid = $"SM{Interlocked.Increment(ref _sid):D32}";
                // Twilio takes the message when the request arrives, whatever becomes of its answer.
                if (taken)
                {
                    _taken.Enqueue((sid, form["To"]!, form["From"]!, form["Body"]!, DateTime.UtcNow));
                }
                _posts.Enqueue((form["To"]!, status, form["StatusCallback"]));
                await Task.Delay(delay);
                return Json(status, status == 201 ? $$"""{"sid":"{{sid}}","status":"queued"}""" : """{"code":20500,"message":"error"}""");
            }));
        // The list as Twilio documents it ("Retrieve and Modify Message History", Messages resource: Read multiple Message
        // resources): every field of each message, newest first, and the paging fields around them.
        _platform.TwilioApi.Given(Request.Create().WithPath("/2010-04-01/Accounts/*/Messages.json").UsingGet())
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var to = request.Query!["To"][0];
                var account = $"/2010-04-01/Accounts/{GrievancesPlatform.TwilioAccountSid}";
                var page = $"{account}/Messages.json?To={Uri.EscapeDataString(to)}&From={Uri.EscapeDataString(request.Query["From"][0])}&PageSize=50&Page=0";
                var messages = _taken.Where(m => m.To == to).Reverse().Select(m => new Dictionary<string, object?>
                {
                    ["account_sid"] = GrievancesPlatform.TwilioAccountSid, ["api_version"] = "2010-04-01", ["body"] = m.Body,
                    ["date_created"] = Rfc2822(m.Created), ["date_sent"] = unsent ? null : Rfc2822(m.Created.AddSeconds(1)), ["date_updated"] = Rfc2822(m.Created.AddSeconds(2)),
                    ["direction"] = "outbound-api", ["error_code"] = errorCode, ["error_message"] = errorMessage, ["from"] = m.From,
                    ["messaging_service_sid"] = null, ["num_media"] = "0", ["num_segments"] = "1", ["price"] = unsent ? null : "-0.00750", ["price_unit"] = "USD",
                    ["sid"] = m.Sid, ["status"] = listedStatus,
                    ["subresource_uris"] = new Dictionary<string, string>
                    {
                        ["media"] = $"{account}/Messages/{m.Sid}/Media.json", ["feedback"] = $"{account}/Messages/{m.Sid}/Feedback.json",
                    },
                    ["to"] = m.To, ["uri"] = $"{account}/Messages/{m.Sid}.json",
                }).ToList();
                return Json(listStatus, JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["end"] = Math.Max(0, messages.Count - 1), ["first_page_uri"] = page, ["next_page_uri"] = null, ["page"] = 0, ["page_size"] = 50,
                    ["previous_page_uri"] = null, ["messages"] = messages, ["start"] = 0, ["uri"] = page,
                }));
            }));
    }

    /// <summary>Twilio's dates: RFC 2822, in GMT.</summary>
    private static string Rfc2822(DateTime utc) => utc.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    private static ResponseMessage Json(int status, string body)
    {
        var response = new ResponseMessage
        {
            StatusCode = status,
            BodyData = new BodyData { BodyAsString = body, DetectedBodyType = BodyType.String, Encoding = System.Text.Encoding.UTF8 },
        };
        response.AddHeader("Content-Type", "application/json");
        return response;
    }

    /// <summary>A new worker's first SMS through Twilio; returns their number.</summary>
    private async Task<string> TextThroughTwilioAsync()
    {
        var from = $"+88017130{Interlocked.Increment(ref _sender):D5}";
        var form = new List<KeyValuePair<string, string>>
        {
            new("MessageSid", $"SMin{Guid.NewGuid():N}"), new("From", from), new("To", GrievancesPlatform.OurNumber), new("Body", "hello"),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "sms/twilio/inbound") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", TwilioVectors.Sign(GrievancesPlatform.TwilioToken, GrievancesPlatform.PublicBaseUrl + "/sms/twilio/inbound", form));
        using var response = await _platform.Grievances.Http.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return from;
    }

    private sealed record Reply(Guid Id, string Status, string? ProviderMessageId, int Attempts, string? Error, string Pseudonym);

    /// <summary>The one reply to the worker's first message (waits until it exists).</summary>
    private async Task<Reply> ReplyToAsync(string from, Func<Reply, bool> until, string what)
    {
        Reply? reply = null;
        await Probe.UntilAsync(async () =>
        {
            await using var connection = _platform.Database.Open();
            var pseudonym = new Traceability.Grievances.Privacy.PrivacyVault(Vault()).Pseudonym(from);
            reply = await Dapper.SqlMapper.QuerySingleOrDefaultAsync<Reply>(connection, """
                SELECT id AS Id, status AS Status, provider_message_id AS ProviderMessageId, attempts AS Attempts, error AS Error, pseudonym AS Pseudonym
                FROM grievances.outbound_message WHERE pseudonym = @Pseudonym
                """, new { Pseudonym = pseudonym });
            return reply is not null && until(reply);
        }, TimeSpan.FromSeconds(45), what);
        return reply!;
    }

    private static Traceability.Grievances.Privacy.PrivacyOptions Vault()
    {
        var keys = GrievancesPlatform.Keys;
        return new Traceability.Grievances.Privacy.PrivacyOptions
        {
            CurrentKeyId = keys["Privacy__CurrentKeyId"],
            Keys = new() { ["k1"] = keys["Privacy__Keys__k1"], ["k2"] = keys["Privacy__Keys__k2"] },
            PseudonymKey = keys["Privacy__PseudonymKey"],
        };
    }

    [Test]
    public async Task Should_send_once_when_Twilio_answers_after_the_attempt_timeout_and_settle_it_from_the_message_list()
    {
        // Twilio takes the message at once but answers after 4 s, past the 2 s attempt timeout.
        TwilioAnswers(_ => (201, TimeSpan.FromSeconds(4), true));
        var from = await TextThroughTwilioAsync();
        var reply = await ReplyToAsync(from, r => r.Status == "sent", "the reply is settled as sent from Twilio's message list");
        Assert.That(_posts.Count(p => p.To == from), Is.EqualTo(1), "one request reached Twilio: the timeout was not retried");
        Assert.That(reply.ProviderMessageId, Is.EqualTo(_taken.Single(m => m.To == from).Sid), "Twilio's id for the message it took");
        Assert.That(reply.Attempts, Is.EqualTo(1));
        Assert.That(_platform.Grievances.Log, Does.Contain($"Reply {reply.Id} was taken by twilio: not sent again"));
    }

    [TestCase("delivered", null, null, "delivered", null)]
    [TestCase("undelivered", 30003, "Unreachable destination handset", "failed", "Twilio error 30003: Unreachable destination handset")]
    [TestCase("failed", 30007, "Carrier violation", "failed", "Twilio error 30007: Carrier violation")]
    [TestCase("queued", null, null, "sent", null)]
    public async Task Should_settle_a_reply_whose_answer_was_lost_as_far_as_Twilio_s_message_list_says_it_got(
        string twilioStatus, int? errorCode, string? errorMessage, string settled, string? error)
    {
        // The answer to the send is lost (4 s, past the 2 s attempt timeout) and no status callback comes: the message
        // list is all that says what became of the reply, taken once and delivered, or taken and never delivered.
        TwilioAnswers(_ => (201, TimeSpan.FromSeconds(4), true), listed: (twilioStatus, errorCode, errorMessage));
        var from = await TextThroughTwilioAsync();
        var reply = await ReplyToAsync(from, r => r.Status is not ("queued" or "sending" or "unknown"), "the reply is settled from Twilio's message list");

        Assert.That((reply.Status, reply.Error), Is.EqualTo((settled, error)));
        Assert.That(reply.ProviderMessageId, Is.EqualTo(_taken.Single(m => m.To == from).Sid), "Twilio's id for the message it took");
        Assert.That(_posts.Count(p => p.To == from), Is.EqualTo(1), "taken, delivered or not: never sent again");
        Assert.That(_platform.Grievances.Log, Does.Contain($"Reply {reply.Id} was taken by twilio: not sent again; it is {settled}"));
    }

    [Test]
    public async Task Should_send_once_when_Twilio_answers_503_then_201()
    {
        TwilioAnswers(call => (call == 1 ? 503 : 201, TimeSpan.Zero, call != 1));
        var from = await TextThroughTwilioAsync();
        var reply = await ReplyToAsync(from, r => r.Status == "sent", "the reply is sent");
        Assert.That(_posts.Where(p => p.To == from).Select(p => p.Status), Is.EqualTo(new[] { 503, 201 }), "503 said nothing was taken: retried once, sent once");
        Assert.That(_taken.Count(m => m.To == from), Is.EqualTo(1));
        Assert.That(reply.ProviderMessageId, Is.EqualTo(_taken.Single(m => m.To == from).Sid));
    }

    [Test]
    public async Task Should_send_again_after_a_500_only_when_Twilio_lists_no_such_message()
    {
        // A 500 may come after Twilio took the message: not retried, looked up; it was not taken, so it is sent again.
        TwilioAnswers(call => (call == 1 ? 500 : 201, TimeSpan.Zero, call != 1));
        var from = await TextThroughTwilioAsync();
        var reply = await ReplyToAsync(from, r => r.Status == "sent", "the reply is sent after the lookup");
        Assert.That(_posts.Where(p => p.To == from).Select(p => p.Status), Is.EqualTo(new[] { 500, 201 }));
        Assert.That(_taken.Count(m => m.To == from), Is.EqualTo(1), "the worker gets it once");
        Assert.That(reply.Attempts, Is.EqualTo(2));
        Assert.That(_platform.Grievances.Log, Does.Contain($"Reply {reply.Id} never reached twilio: it is sent again"));
    }

    [Test]
    public async Task Should_settle_an_unknown_reply_from_the_status_callback_that_names_it()
    {
        // The answer is lost and the message list cannot be read: the reply stays unknown until Twilio's callback names it.
        TwilioAnswers(_ => (201, TimeSpan.FromSeconds(4), true), listStatus: 503);
        var from = await TextThroughTwilioAsync();
        var reply = await ReplyToAsync(from, r => r.Status == "unknown", "the reply is unknown");
        var callbackUrl = _posts.Single(p => p.To == from).StatusCallback;
        Assert.That(callbackUrl, Is.EqualTo($"{GrievancesPlatform.PublicBaseUrl}/sms/twilio/status?reply={reply.Id:N}"));

        var sid = _taken.Single(m => m.To == from).Sid;
        var status = new List<KeyValuePair<string, string>> { new("MessageSid", sid), new("MessageStatus", "delivered"), new("To", from) };
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"sms/twilio/status?reply={reply.Id:N}") { Content = new FormUrlEncodedContent(status) })
        {
            request.Headers.Add("X-Twilio-Signature", TwilioVectors.Sign(GrievancesPlatform.TwilioToken, callbackUrl!, status));
            using var response = await _platform.Grievances.Http.SendAsync(request);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), await response.Content.ReadAsStringAsync());
        }
        reply = await ReplyToAsync(from, r => r.Status == "delivered", "the callback settles the reply");
        Assert.That(reply.ProviderMessageId, Is.EqualTo(sid));
        Assert.That(_posts.Count(p => p.To == from), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_send_once_when_Africas_Talking_refuses_connections_then_comes_back()
    {
        const string from = "+254711000901";
        using (var response = await _platform.Grievances.Http.PostAsync($"sms/africastalking/inbound/{GrievancesPlatform.AfricasTalkingSecret}",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["from"] = from, ["to"] = GrievancesPlatform.OurNumber, ["text"] = "habari", ["id"] = "ATXid_refused_1" })))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        }
        // Nothing listens: every connection is refused, so nothing was sent, and the reply waits to be tried again.
        await ReplyToAsync(from, r => r is { Status: "queued", Attempts: >= 2 }, "the reply waits while the connection is refused");

        var africasTalking = WireMockServer.Start(_africasTalkingPort);
        try
        {
            africasTalking.Given(Request.Create().WithPath("/version1/messaging").UsingPost()).RespondWith(Response.Create().WithStatusCode(201)
                .WithHeader("Content-Type", "application/json")
                .WithBody("""{"SMSMessageData":{"Message":"Sent to 1/1","Recipients":[{"statusCode":101,"number":"+254711000901","status":"Success","messageId":"ATXid_back_1"}]}}"""));
            var reply = await ReplyToAsync(from, r => r.Status == "sent", "the reply is sent once Africa's Talking listens again");
            Assert.That(reply.ProviderMessageId, Is.EqualTo("ATXid_back_1"));
            Assert.That(africasTalking.LogEntries.Count(), Is.EqualTo(1), "exactly one request reached Africa's Talking");
        }
        finally
        {
            africasTalking.Stop();
        }
    }

    [Test]
    public async Task Should_keep_an_Africas_Talking_reply_whose_answer_timed_out_unknown_and_show_it_on_the_case()
    {
        const string from = "+254711000902";
        var africasTalking = WireMockServer.Start(_africasTalkingPort);
        try
        {
            africasTalking.Given(Request.Create().WithPath("/version1/messaging").UsingPost()).RespondWith(Response.Create().WithStatusCode(201)
                .WithDelay(TimeSpan.FromSeconds(4)).WithHeader("Content-Type", "application/json")
                .WithBody("""{"SMSMessageData":{"Message":"Sent to 1/1","Recipients":[{"statusCode":101,"number":"+254711000902","status":"Success","messageId":"ATXid_late_1"}]}}"""));
            using (var response = await _platform.Grievances.Http.PostAsync($"sms/africastalking/inbound/{GrievancesPlatform.AfricasTalkingSecret}",
                new FormUrlEncodedContent(new Dictionary<string, string> { ["from"] = from, ["to"] = GrievancesPlatform.OurNumber, ["text"] = "habari", ["id"] = "ATXid_late_in" })))
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            }
            var reply = await ReplyToAsync(from, r => r.Status == "unknown", "the reply is unknown");
            Assert.That(reply.Error, Does.Contain("may have reached the provider"));

            // Africa's Talking cannot be asked: the reply stays unknown, at most once. It is on the worker's case for caseworkers.
            var caseId = Guid.CreateVersion7();
            await _platform.Database.ScalarAsync<long>("""
                INSERT INTO grievances.grievance_case (id, reference, pseudonym, tenant_id, language, facility_ids, facility_name, country, category, ilo_indicators,
                  description_cipher, contact_allowed, status, outcome, filed_at, acknowledge_by, feedback_by)
                SELECT @Id, 'GR-UNKWN2', pseudonym, 'grievances', 'sw', '', NULL, NULL, 'other', '', body_cipher, true, 'filed', NULL, now(), now() + interval '7 days',
                  now() + interval '3 months'
                FROM grievances.inbound_message WHERE gateway_message_id = 'ATXid_late_in'
                RETURNING 1
                """, new { Id = caseId });
            using var caseworker = TestIssuer.Shared.ClientFor(_platform.Grievances, "caseworker-ana", [Roles.Caseworker]);
            var detail = await caseworker.GetFromJsonAsync<JsonElement>($"api/v1/cases/{caseId}");
            var replies = detail.GetProperty("replies").EnumerateArray().ToList();
            Assert.That(replies.Select(r => (r.GetProperty("id").GetGuid(), r.GetProperty("status").GetString())), Is.EqualTo(new[] { (reply.Id, "unknown") }));

            // Long past the lookup delay (1 s) and the 4 s answer: still one request, still unknown.
            await Probe.UntilAsync(() => Task.FromResult(africasTalking.LogEntries.Any()), TimeSpan.FromSeconds(30), "Africa's Talking logs the request");
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.That(africasTalking.LogEntries.Count(), Is.EqualTo(1), "never sent again");
            Assert.That((await ReplyToAsync(from, _ => true, "the reply")).Status, Is.EqualTo("unknown"));
        }
        finally
        {
            africasTalking.Stop();
        }
    }

    [Test]
    [Category("Fault")]
    public async Task Should_settle_a_reply_whose_sender_was_killed_mid_send_without_sending_it_twice()
    {
        // Twilio takes the message and answers after 20 s: Grievances is killed (SIGKILL) while it waits.
        TwilioAnswers(_ => (201, TimeSpan.FromSeconds(20), true));
        var from = await TextThroughTwilioAsync();
        await Probe.UntilAsync(() => Task.FromResult(_posts.Any(p => p.To == from)), TimeSpan.FromSeconds(30), "the send reaches Twilio");
        _platform.Grievances.Kill();
        Assert.That((await ReplyToAsync(from, _ => true, "the reply")).Status, Is.EqualTo("sending"), "killed mid-send");

        await _platform.Grievances.StartAsync();
        // The claim outlives any live send (total timeout 6 s + lookup delay 1 s): it is unknown, looked up, found.
        var reply = await ReplyToAsync(from, r => r.Status == "sent", "the restarted service settles the reply from Twilio's message list");
        Assert.That(reply.ProviderMessageId, Is.EqualTo(_taken.Single(m => m.To == from).Sid));
        Assert.That(_posts.Count(p => p.To == from), Is.EqualTo(1), "sent once, not again after the restart");
        Assert.That(_platform.Grievances.Log, Does.Contain($"Reply {reply.Id} was taken by twilio: not sent again"));
    }
}
