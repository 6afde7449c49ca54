using System.Net;
using System.Net.Http.Json;
using System.Text;
using Traceability.Grievances.Features.ReceiveSms;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Traceability.IntegrationTests.Grievances;

/// <summary>
/// The gateways' webhooks as a gateway sends them, past the OpenAPI-driven harness (which signs and breaks each field,
/// BadInput_Specs): bad bodies answered naming the gateway's field, floods from one sender, a provider that is down.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public class When_a_gateway_sends_bad_input_or_a_flood
{
    private GrievancesPlatform _platform = null!;

    [OneTimeSetUp]
    public async Task Start() => _platform = await GrievancesPlatform.StartAsync(withRisk: false, new Dictionary<string, string>
    {
        ["Sms__RepliesPerHour"] = "10",
        // Twilio without an account: its replies go to the simulator gateway, which the simulator page shows.
        ["Sms__Twilio__AccountSid"] = "",
        ["Sms__SimulatorEnabled"] = "true",
    });

    [Test]
    public async Task Should_play_a_worker_from_the_simulator_page_signed_as_Twilio_signs()
    {
        using (var page = await _platform.Grievances.Http.GetAsync("simulator"))
        {
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await page.Content.ReadAsStringAsync(), Does.Contain("Grievance line simulator"));
        }
        using (var sent = await _platform.Grievances.Http.PostAsJsonAsync("simulator/send", new { from = "+8801712000055", text = "Hola" }))
        {
            Assert.That(sent.StatusCode, Is.EqualTo(HttpStatusCode.OK), await sent.Content.ReadAsStringAsync());
        }
        System.Text.Json.JsonElement lines = default;
        await Probe.UntilAsync(async () =>
        {
            lines = await _platform.Grievances.Http.GetFromJsonAsync<System.Text.Json.JsonElement>("simulator/conversation?from=%2B8801712000055");
            return lines.EnumerateArray().Any(l => l.GetProperty("direction").GetString() == "out" && l.GetProperty("status").GetString() == "delivered");
        }, TimeSpan.FromSeconds(30), "the simulator shows the reply");
        Assert.That(lines[0].GetProperty("text").GetString(), Is.EqualTo("Hola"));
        Assert.That(lines[1].GetProperty("text").GetString(), Does.StartWith("¿Dónde trabaja?"));
    }

    [Test]
    public async Task Should_play_a_worker_from_the_command_line_and_print_the_reply()
    {
        // The test service's public address is a name nobody answers: the command reaches it at --url and signs over the public one.
        var (exitCode, output, error) = await _platform.Grievances.RunCommandAsync("simulate", "--url", _platform.Grievances.BaseAddress.ToString(), "+8801712000091", "Hola");
        var (usageCode, _, usage) = await _platform.Grievances.RunCommandAsync("simulate", "+8801712000091");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, error);
            Assert.That(output, Does.Contain("> Hola   (200)"), "the text, answered by the Twilio webhook");
            Assert.That(output, Does.Contain("< ¿Dónde trabaja?"), "the conversation's reply, in the worker's language");
            Assert.That(usageCode, Is.EqualTo(2), "a text is required");
            Assert.That(usage, Does.Contain("usage: simulate"));
        });
    }

    [OneTimeTearDown]
    public async Task Stop() => await _platform.DisposeAsync();

    private Task<HttpResponseMessage> GenericAsync(byte[] body, string path = "sms/generic/inbound")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Signature", ReceiveSmsEndpoints.GenericSignature(GrievancesPlatform.GenericSecret, body));
        return _platform.Grievances.Http.SendAsync(request);
    }

    private static byte[] Json(string id, string from, string text, string to = GrievancesPlatform.OurNumber) =>
        Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new { id, from, to, text }));

    private Task<long> InboundAsync() => _platform.Database.ScalarAsync<long>("SELECT count(*) FROM grievances.inbound_message");

    [Test]
    public async Task Should_answer_bad_bodies_with_a_4xx_naming_the_field_and_store_nothing()
    {
        var before = await InboundAsync();
        var invalidUtf8 = Encoding.UTF8.GetBytes("""{"id":"g-bad-1","from":"+8801712000001","to":"+15005550006","text":"ab""").Concat(new byte[] { 0xC3, 0x28 }).Concat("\"}"u8.ToArray()).ToArray();
        var cases = new (byte[] Body, HttpStatusCode Status, string Field)[]
        {
            ([], HttpStatusCode.BadRequest, "$"),
            // Bytes that are not UTF-8 inside the text: the member is named.
            (invalidUtf8, HttpStatusCode.BadRequest, "text"),
            (Encoding.UTF8.GetBytes("[1,2]"), HttpStatusCode.BadRequest, "$"),
            (Json("g-bad-2", "+8801712000001", "hello", to: "+19999999999"), HttpStatusCode.BadRequest, "to"),
            (Json("g-bad-3", "not a number", "hello"), HttpStatusCode.BadRequest, "from"),
            (Json("", "+8801712000001", "hello"), HttpStatusCode.BadRequest, "id"),
            (Json("g-bad-4", "+8801712000001", "nul \0 inside"), HttpStatusCode.BadRequest, "text"),
            (Json("g-bad-5", "+8801712000001", new string('x', 5000)), HttpStatusCode.BadRequest, "text"),
        };
        foreach (var (body, status, field) in cases)
        {
            using var response = await GenericAsync(body);
            var text = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(status), text);
            Assert.That(text, Does.Contain($"\"{field}\""), text);
            Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
        }
        using (var oversized = await GenericAsync(Json("g-big", "+8801712000001", new string('x', 40_000))))
        {
            Assert.That(oversized.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        }
        Assert.That(await InboundAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Should_throttle_a_flood_from_one_sender_without_losing_their_grievance()
    {
        const string from = "+8801712000077";
        var sent = 0;
        async Task SayAsync(string text)
        {
            using var response = await GenericAsync(Json($"flood-{Interlocked.Increment(ref sent)}", from, text));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        }
        // Twenty-five messages at once, then the whole grievance.
        await Task.WhenAll(Enumerable.Range(0, 25).Select(_ => SayAsync("HELP")));
        foreach (var text in new[] { "1", "0", "1", "They keep half our wages.", "2" })
        {
            await SayAsync(text);
        }
        var pseudonymCases = "SELECT count(*) FROM grievances.grievance_case c JOIN grievances.inbound_message i ON i.pseudonym = c.pseudonym WHERE i.gateway_message_id = 'flood-1'";
        await Probe.UntilAsync(async () => await _platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM grievances.inbound_message WHERE gateway_message_id LIKE 'flood-%' AND processed_at IS NOT NULL") == sent,
            TimeSpan.FromSeconds(60), "every message of the flood is read");
        Assert.That(await _platform.Database.ScalarAsync<long>(pseudonymCases), Is.EqualTo(1), "the grievance is filed");
        var replies = await _platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM grievances.outbound_message o JOIN grievances.inbound_message i ON i.pseudonym = o.pseudonym WHERE i.gateway_message_id = 'flood-1' AND o.status <> 'throttled'");
        var throttled = await _platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM grievances.outbound_message o JOIN grievances.inbound_message i ON i.pseudonym = o.pseudonym WHERE i.gateway_message_id = 'flood-1' AND o.status = 'throttled'");
        Assert.That(replies, Is.EqualTo(10), "replies stop at Sms__RepliesPerHour");
        Assert.That(throttled, Is.EqualTo(sent - 10), "the rest are kept, not sent");
    }

    [Test]
    public async Task Should_send_a_reply_once_after_the_provider_comes_back()
    {
        _platform.GenericApi.Reset();
        _platform.GenericApi.Given(Request.Create().WithPath("/messages").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(503));
        using (var response = await GenericAsync(Json("down-1", "+8801712000099", "hello")))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        await Probe.UntilAsync(async () => await _platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM grievances.outbound_message o JOIN grievances.inbound_message i ON i.id = o.in_reply_to WHERE i.gateway_message_id = 'down-1' AND o.attempts >= 2 AND o.status = 'queued'") == 1,
            TimeSpan.FromSeconds(30), "the reply waits while the provider is down, and is tried again");
        var refused = _platform.GenericApi.LogEntries.Count();
        Assert.That(refused, Is.GreaterThan(2), "the resilience handler retried each attempt");

        _platform.GenericApi.Reset();
        _platform.GenericApi.Given(Request.Create().WithPath("/messages").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("""{"id":"back-1"}"""));
        await Probe.UntilAsync(async () => await _platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM grievances.outbound_message WHERE provider_message_id = 'back-1' AND status = 'sent'") == 1,
            TimeSpan.FromSeconds(30), "the reply is sent once the provider is back");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.That(_platform.GenericApi.LogEntries.Count(e => e.ResponseMessage.StatusCode is 200), Is.EqualTo(1), "sent once, not again");
    }
}
