using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;

namespace Traceability.IntegrationTests;

/// <summary>
/// No event is published into the void: the topology step binds every consumer queue before any
/// service runs, and the outbox publishes with the mandatory flag, so a message nobody is bound
/// for stays in the outbox until its queue exists.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public class When_shipments_are_accepted_before_Risk_has_ever_run
{
    private const string RiskQueue = "risk-shipment-recorded";

    [Test]
    public async Task Should_evaluate_every_one_of_them_when_Risk_first_starts()
    {
        await using var platform = await Platform.StartAsync(withRisk: false);
        var acme = await ProvenanceAdmin.OnboardAsync(platform.Provenance, "acme");
        var accepted = new Dictionary<Guid, bool>();
        for (var i = 0; i < 12; i++)
        {
            var listed = i % 3 == 0;
            using var response = await platform.Provenance.Http.SendAsync(
                When_an_exporter_records_shipments.Post(acme, When_an_exporter_records_shipments.Shipment(listed ? "Cocoa" : "Coffee", listed ? "CI" : "DE")));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
            accepted[(await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid()] = listed;
        }

        // Relayed and confirmed while no Risk process exists: the topology step's queue holds them.
        await Probe.UntilAsync(async () => await Unsent(platform) == 0, TimeSpan.FromSeconds(60), "Provenance's outbox is drained");
        // The relay sends the shipments of one claim as one message (ShipmentsRecorded): one message per claim, whose rows share their sent_at.
        var messages = await platform.Database.ScalarAsync<long>("SELECT count(DISTINCT sent_at) FROM provenance.outbox_message WHERE message_type LIKE '%ShipmentRecorded%'");
        await Probe.UntilAsync(async () => await Infrastructure.QueueDepthAsync(platform.VirtualHost, RiskQueue) == messages, TimeSpan.FromSeconds(60),
            $"Risk's queue holds the {accepted.Count} shipments, in the {messages} messages the relay sent");
        Assert.That(await platform.Database.ScalarAsync<long>("SELECT count(*) FROM provenance.outbox_message WHERE attempts > 0"), Is.Zero,
            "no row was ever returned as unroutable");
        Assert.That(await platform.Database.ScalarAsync<bool>("SELECT EXISTS (SELECT FROM information_schema.schemata WHERE schema_name = 'risk')"), Is.False,
            "Risk has never run (its migrations have not created its schema)");

        await platform.StartRiskAsync();

        await Probe.UntilAsync(async () => await platform.Database.ScalarAsync<long>("SELECT count(*) FROM risk.shipment_evaluation") >= accepted.Count,
            TimeSpan.FromSeconds(60), "Risk evaluates the backlog");
        await using var connection = platform.Database.Open();
        var evaluated = (await connection.QueryAsync<Guid>("SELECT shipment_id FROM risk.shipment_evaluation")).ToList();
        var flagged = (await connection.QueryAsync<string>("SELECT subject_id FROM risk.flag WHERE rule_id = 'dol-goods-list'")).Select(Guid.Parse);
        Assert.That(evaluated, Is.EquivalentTo(accepted.Keys), "every accepted shipment, once");
        Assert.That(flagged, Is.EquivalentTo(accepted.Where(a => a.Value).Select(a => a.Key)));
    }

    private static Task<long> Unsent(Platform platform) =>
        platform.Database.ScalarAsync<long>("SELECT count(*) FROM provenance.outbox_message WHERE sent_at IS NULL");
}

[TestFixture]
[Category("Integration")]
public class When_no_consumer_queue_is_bound_yet
{
    private const string RiskQueue = "risk-shipment-recorded";

    [Test]
    public async Task Should_keep_the_rows_in_the_outbox_and_relay_them_once_the_topology_exists()
    {
        await using var platform = await Platform.StartAsync(withRisk: false, deployTopology: false,
            provenanceSettings: new Dictionary<string, string> { ["Outbox__UnroutableRetryMax"] = "00:00:02" });
        var acme = await ProvenanceAdmin.OnboardAsync(platform.Provenance, "acme");
        for (var i = 0; i < 5; i++)
        {
            using var response = await platform.Provenance.Http.SendAsync(
                When_an_exporter_records_shipments.Post(acme, When_an_exporter_records_shipments.Shipment("Cocoa", "CI")));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        }

        // Each row is published, returned by the broker (mandatory, nothing bound) and kept.
        await Probe.UntilAsync(async () => await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM provenance.outbox_message WHERE sent_at IS NULL AND attempts >= 2") == 5,
            TimeSpan.FromSeconds(60), "every row has been returned at least twice");
        Assert.That(await platform.Database.ScalarAsync<long>("SELECT count(*) FROM provenance.outbox_message WHERE sent_at IS NOT NULL OR failed_at IS NOT NULL"), Is.Zero,
            "a returned row is neither marked sent nor set aside");
        Assert.That(await platform.Database.ScalarAsync<string>("SELECT min(last_error) FROM provenance.outbox_message"), Does.Contain("Returned by the broker"));
        Assert.That(await platform.VirtualHost.QueueAsync(RiskQueue), Is.Null, "no queue exists to hold them");

        await platform.DeployTopologyAsync("Risk");

        await Probe.UntilAsync(async () => await platform.Database.ScalarAsync<long>("SELECT count(*) FROM provenance.outbox_message WHERE sent_at IS NULL") == 0,
            TimeSpan.FromSeconds(60), "the outbox relays the kept rows");
        await Probe.UntilAsync(async () => await Infrastructure.QueueDepthAsync(platform.VirtualHost, RiskQueue) == 5, TimeSpan.FromSeconds(60), "Risk's queue holds all five");
    }
}

[TestFixture]
[Category("Integration")]
public class When_a_message_keeps_coming_back_to_its_queue
{
    private const string RiskQueue = "risk-shipment-recorded";

    [Test]
    public async Task Should_dead_letter_it_to_the_error_queue_after_the_delivery_limit()
    {
        await using var database = await Infrastructure.CreateDatabaseAsync();
        await using var virtualHost = await Infrastructure.CreateVirtualHostAsync();
        await using var risk = ServiceProcess.Create("Risk", database, virtualHost, new Dictionary<string, string> { ["RabbitMq__DeliveryLimit"] = "3" });
        await risk.DeployTopologyAsync();

        var queue = (await virtualHost.QueueAsync(RiskQueue))!.Value;
        var arguments = queue.GetProperty("arguments");
        Assert.Multiple(() =>
        {
            Assert.That(queue.GetProperty("type").GetString(), Is.EqualTo("quorum"));
            Assert.That(queue.GetProperty("durable").GetBoolean(), Is.True);
            Assert.That(arguments.GetProperty("x-delivery-limit").GetInt32(), Is.EqualTo(3));
            Assert.That(arguments.GetProperty("x-dead-letter-exchange").GetString(), Is.EqualTo($"{RiskQueue}_error"));
        });

        // A consumer that takes the message and dies without acknowledging it, four times over: the
        // management API's get with reject_requeue_true returns it to the queue as a lost channel does.
        using var http = Infrastructure.Management();
        var exchange = Uri.EscapeDataString("Traceability.Contracts.Provenance:ShipmentRecorded");
        using (var published = await http.PostAsync($"api/exchanges/{virtualHost.Name}/{exchange}/publish",
            Json("""{"properties":{"delivery_mode":2},"routing_key":"","payload":"{}","payload_encoding":"string"}""")))
        {
            published.EnsureSuccessStatusCode();
            Assert.That((await published.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("routed").GetBoolean(), Is.True);
        }
        var deliveries = 0;
        for (var i = 0; i < 10; i++)
        {
            using var got = await http.PostAsync($"api/queues/{virtualHost.Name}/{RiskQueue}/get",
                Json("""{"count":1,"ackmode":"reject_requeue_true","encoding":"auto"}"""));
            got.EnsureSuccessStatusCode();
            if ((await got.Content.ReadFromJsonAsync<JsonElement>()).GetArrayLength() == 0)
            {
                break;
            }
            deliveries++;
        }

        Assert.That(deliveries, Is.EqualTo(4), "delivered once and redelivered up to the limit of 3, then gone from the queue");
        await Probe.UntilAsync(async () => await Infrastructure.QueueDepthAsync(virtualHost, $"{RiskQueue}_error") == 1, TimeSpan.FromSeconds(30),
            "the message is in the error queue");
        var error = (await virtualHost.QueueAsync($"{RiskQueue}_error"))!.Value;
        Assert.That(error.GetProperty("type").GetString(), Is.EqualTo("quorum"), "replicated too");
        Assert.That(error.GetProperty("arguments").TryGetProperty("x-dead-letter-exchange", out _), Is.False, "and not dead-lettering into itself");
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}

[TestFixture]
[Category("Integration")]
public class When_the_topology_step_runs_while_messages_wait_in_the_queues
{
    private const string RiskQueue = "risk-shipment-recorded";

    [Test]
    public async Task Should_declare_the_topology_and_leave_every_message_where_it_waits()
    {
        // A redeploy after a service stopped with a backlog (up.sh after a broken run): the step must not work the
        // backlog, since the service's migrations run only when the service itself starts, after the step.
        await using var database = await Infrastructure.CreateDatabaseAsync();
        await using var virtualHost = await Infrastructure.CreateVirtualHostAsync();
        await using var risk = ServiceProcess.Create("Risk", database, virtualHost);
        await risk.DeployTopologyAsync();
        using var http = Infrastructure.Management();
        var exchange = Uri.EscapeDataString("Traceability.Contracts.Provenance:ShipmentRecorded");
        var shipment = Guid.NewGuid();
        // The envelope the outbox relay publishes: a shipment Risk would evaluate (and flag) if it consumed it.
        var envelope = JsonSerializer.Serialize(new
        {
            messageId = Guid.NewGuid(),
            messageType = new[] { "urn:message:Traceability.Contracts.Provenance:ShipmentRecorded", "urn:message:Traceability.Contracts:IMessage" },
            message = new
            {
                eventId = Guid.NewGuid(), tenantId = "acme", occurredAt = DateTime.UtcNow, shipmentId = shipment, hsCode = "180100",
                commodity = "Cocoa", originCountry = "CI", quantity = 2500, unit = "kg", shipDate = "2026-11-02",
            },
        });
        var publish = JsonSerializer.Serialize(new
        {
            properties = new { delivery_mode = 2, content_type = "application/vnd.masstransit+json" },
            routing_key = "", payload = envelope, payload_encoding = "string",
        });
        using (var published = await http.PostAsync($"api/exchanges/{virtualHost.Name}/{exchange}/publish", Json(publish)))
        {
            published.EnsureSuccessStatusCode();
            Assert.That((await published.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("routed").GetBoolean(), Is.True);
        }
        await Probe.UntilAsync(async () => await Infrastructure.QueueDepthAsync(virtualHost, RiskQueue) == 1, TimeSpan.FromSeconds(30), "the shipment waits in Risk's queue");

        await risk.DeployTopologyAsync();

        // Read from the queues themselves (the management API's counts lag by seconds): requeued at once, untouched.
        var waiting = await PeekAsync(http, virtualHost, RiskQueue);
        Assert.That(waiting, Has.Count.EqualTo(1), "the shipment still waits in Risk's queue");
        Assert.Multiple(async () =>
        {
            Assert.That(waiting[0].GetProperty("payload").GetString(), Does.Contain(shipment.ToString()));
            Assert.That(waiting[0].GetProperty("redelivered").GetBoolean(), Is.False, "never delivered to a consumer");
            Assert.That(await PeekAsync(http, virtualHost, $"{RiskQueue}_error"), Is.Empty, "nothing was faulted");
            Assert.That(await database.ScalarAsync<bool>("SELECT EXISTS (SELECT FROM information_schema.schemata WHERE schema_name = 'risk')"), Is.False,
                "and no migration ran: the service applies them when it starts, after the step");
        });
    }

    private static async Task<List<JsonElement>> PeekAsync(HttpClient http, TestVirtualHost virtualHost, string queue)
    {
        using var got = await http.PostAsync($"api/queues/{virtualHost.Name}/{queue}/get",
            Json("""{"count":10,"ackmode":"ack_requeue_true","encoding":"auto"}"""));
        got.EnsureSuccessStatusCode();
        return [.. (await got.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray()];
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}

[TestFixture]
[Category("Integration")]
public class When_a_service_no_longer_consumes_a_queue_it_once_declared
{
    // Risk kept shipments' certificate claims from a queue of their own until the claims joined the shipment's evaluation.
    private const string Retired = "risk-certificate-claims";

    [Test]
    public async Task Should_delete_it_once_empty_and_keep_it_while_it_holds_messages()
    {
        await using var database = await Infrastructure.CreateDatabaseAsync();
        await using var virtualHost = await Infrastructure.CreateVirtualHostAsync();
        await using var risk = ServiceProcess.Create("Risk", database, virtualHost);
        await risk.DeployTopologyAsync();
        // The queue as the older Risk declared it: a quorum queue behind an exchange of its name, bound to ShipmentRecorded's.
        using var http = Infrastructure.Management();
        var vhost = virtualHost.Name;
        var shipmentRecorded = Uri.EscapeDataString("Traceability.Contracts.Provenance:ShipmentRecorded");
        foreach (var (path, body) in new[]
        {
            ($"api/queues/{vhost}/{Retired}", """{"durable":true,"arguments":{"x-queue-type":"quorum"}}"""),
            ($"api/exchanges/{vhost}/{Retired}", """{"type":"fanout","durable":true}"""),
        })
        {
            using var put = await http.PutAsync(path, Json(body));
            put.EnsureSuccessStatusCode();
        }
        foreach (var path in new[] { $"api/bindings/{vhost}/e/{shipmentRecorded}/e/{Retired}", $"api/bindings/{vhost}/e/{Retired}/q/{Retired}" })
        {
            using var bound = await http.PostAsync(path, Json("{}"));
            bound.EnsureSuccessStatusCode();
        }
        using (var published = await http.PostAsync($"api/exchanges/{vhost}/{shipmentRecorded}/publish",
            Json("""{"properties":{"delivery_mode":2},"routing_key":"","payload":"{}","payload_encoding":"string"}""")))
        {
            published.EnsureSuccessStatusCode();
        }
        await Probe.UntilAsync(async () => await Infrastructure.QueueDepthAsync(virtualHost, Retired) == 1, TimeSpan.FromSeconds(30), "the retired queue holds a message");

        await risk.DeployTopologyAsync();
        Assert.That(await virtualHost.QueueAsync(Retired), Is.Not.Null, "a queue holding messages is kept");

        using (var purged = await http.DeleteAsync($"api/queues/{vhost}/{Retired}/contents"))
        {
            purged.EnsureSuccessStatusCode();
        }
        await risk.DeployTopologyAsync();
        Assert.That(await virtualHost.QueueAsync(Retired), Is.Null, "the empty queue is deleted");
        using var exchange = await http.GetAsync($"api/exchanges/{vhost}/{Retired}");
        Assert.That(exchange.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "and its exchange");
        Assert.That(await virtualHost.QueueAsync("risk-shipment-recorded"), Is.Not.Null, "the queue that consumes ShipmentRecorded now stays");
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
