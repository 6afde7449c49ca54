using Dapper;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Traceability.Contracts.Provenance;
using Traceability.Data;
using Traceability.Data.Messaging;

namespace Traceability.IntegrationTests;

[TestFixture]
[Category("Integration")]
public class When_messages_leave_through_the_outbox
{
    private TestDatabase _database = null!;
    private TestVirtualHost _virtualHost = null!;
    private IHost _host = null!;
    private readonly Deliveries _deliveries = new();

    private Database Database => _host.Services.GetRequiredService<Database>();

    [OneTimeSetUp]
    public async Task Start()
    {
        _database = await Infrastructure.CreateDatabaseAsync();
        _virtualHost = await Infrastructure.CreateVirtualHostAsync();
        _host = await MessagingHost.StartAsync(_database, _virtualHost, "provenance", _deliveries);
        await _host.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(60));
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _host.StopAsync();
        _host.Dispose();
        await _database.DisposeAsync();
        await _virtualHost.DisposeAsync();
    }

    private static ShipmentRecorded Recorded(string tenant) => new()
    {
        EventId = Guid.CreateVersion7(),
        TenantId = tenant,
        OccurredAt = DateTime.UtcNow,
        ShipmentId = Guid.CreateVersion7(),
        HsCode = "090111",
        Commodity = "Coffee",
        OriginCountry = "KE",
        Quantity = 10,
        Unit = "t",
        ShipDate = new DateOnly(2026, 11, 1),
    };

    private IEnumerable<ShipmentRecorded> DeliveredFor(string tenant) => _deliveries.Messages.Where(m => m.TenantId == tenant);

    [Test]
    public async Task Should_deliver_each_committed_message_once_with_its_event_id_and_nothing_rolled_back()
    {
        var tenant = "commit-" + Guid.NewGuid().ToString("N")[..8];
        var committed = Enumerable.Range(0, 120).Select(_ => Recorded(tenant)).ToList();
        foreach (var batch in committed.Chunk(10))
        {
            await Database.InTransactionAsync(async data =>
            {
                foreach (var message in batch)
                {
                    await data.PublishAsync(message);
                }
            }, CancellationToken.None);
        }
        var rolledBack = Recorded(tenant);
        Assert.ThrowsAsync<InvalidOperationException>(() => Database.InTransactionAsync(async data =>
        {
            await data.PublishAsync(rolledBack);
            throw new InvalidOperationException("the domain write failed");
        }, CancellationToken.None));

        await Probe.UntilAsync(() => Task.FromResult(DeliveredFor(tenant).Count() >= committed.Count), TimeSpan.FromSeconds(60), "120 messages arrive");
        await Probe.UntilAsync(async () => await _database.ScalarAsync<long>("SELECT count(*) FROM provenance.outbox_message WHERE sent_at IS NULL") == 0,
            TimeSpan.FromSeconds(30), "the outbox is drained");

        Assert.That(DeliveredFor(tenant).Select(m => m.EventId), Is.EquivalentTo(committed.Select(m => m.EventId)));
        Assert.That(committed.Select(m => _deliveries.ByMessageId[m.EventId]), Has.All.EqualTo(1), "the transport message id is the event id, each once");
        Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM provenance.outbox_message WHERE message_id = @Id", new { Id = rolledBack.EventId }), Is.Zero);
        Assert.That(_deliveries.ByMessageId.ContainsKey(rolledBack.EventId), Is.False);
    }

    [Test]
    public async Task Should_carry_the_writers_trace_through_the_outbox_to_the_consumer()
    {
        // What an OpenTelemetry SDK would do in a service: listen to every source and record.
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        using var source = new System.Diagnostics.ActivitySource("Traceability.IntegrationTests");
        var message = Recorded("traced-" + Guid.NewGuid().ToString("N")[..8]);
        string traceId;
        using (var request = source.StartActivity("POST /api/v1/shipments")!)
        {
            traceId = request.TraceId.ToString();
            await Database.InTransactionAsync(data => data.PublishAsync(message), CancellationToken.None);
        }

        await Probe.UntilAsync(() => Task.FromResult(_deliveries.TraceIds.ContainsKey(message.EventId)), TimeSpan.FromSeconds(30), "the traced message arrives");
        Assert.That(_deliveries.TraceIds[message.EventId], Is.EqualTo(traceId), "the consumer runs in the trace of the request that wrote the row");
        Assert.That(await _database.ScalarAsync<string>("SELECT trace_parent FROM provenance.outbox_message WHERE message_id = @Id", new { Id = message.EventId }),
            Does.Contain(traceId));
    }

    [Test]
    public async Task Should_never_publish_a_row_twice_when_two_relays_compete()
    {
        var tenant = "compete-" + Guid.NewGuid().ToString("N")[..8];
        using var secondSignal = new OutboxSignal();
        var second = new OutboxRelay(Database, _host.Services.GetRequiredService<IBus>(), secondSignal,
            Options.Create(new OutboxOptions { BatchSize = 20, PollInterval = TimeSpan.FromMilliseconds(20) }), NullLogger<OutboxRelay>.Instance);
        await second.StartAsync(CancellationToken.None);
        try
        {
            var messages = Enumerable.Range(0, 400).Select(_ => Recorded(tenant)).ToList();
            await Parallel.ForEachAsync(messages.Chunk(5), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (batch, ct) =>
                await Database.InTransactionAsync(async data =>
                {
                    foreach (var message in batch)
                    {
                        await data.PublishAsync(message);
                    }
                }, ct));
            await Probe.UntilAsync(() => Task.FromResult(DeliveredFor(tenant).Count() >= messages.Count), TimeSpan.FromSeconds(60), "400 messages arrive");
            await Probe.UntilAsync(async () => await _database.ScalarAsync<long>("SELECT count(*) FROM provenance.outbox_message WHERE sent_at IS NULL") == 0,
                TimeSpan.FromSeconds(30), "the outbox is drained");
            Assert.That(messages.Select(m => _deliveries.ByMessageId[m.EventId]), Has.All.EqualTo(1));
            Assert.That(DeliveredFor(tenant).Count(), Is.EqualTo(messages.Count));
        }
        finally
        {
            await second.StopAsync(CancellationToken.None);
        }
    }

    [Test]
    public async Task Should_set_aside_an_unreadable_row_without_holding_up_the_rows_behind_it()
    {
        var tenant = "poison-" + Guid.NewGuid().ToString("N")[..8];
        var poisonId = Guid.NewGuid();
        await using (var connection = _database.Open())
        {
            await connection.ExecuteAsync(
                "INSERT INTO provenance.outbox_message (message_id, message_type, body, created_at) VALUES (@Id, 'Traceability.Contracts.Nothing, Traceability.Contracts', '{}', now())",
                new { Id = poisonId });
        }
        var behind = Recorded(tenant);
        await Database.InTransactionAsync(data => data.PublishAsync(behind), CancellationToken.None);

        await Probe.UntilAsync(() => Task.FromResult(DeliveredFor(tenant).Any()), TimeSpan.FromSeconds(30), "the message behind the poison row arrives");
        var failedAt = await _database.ScalarAsync<DateTime?>("SELECT failed_at FROM provenance.outbox_message WHERE message_id = @Id", new { Id = poisonId });
        Assert.That(failedAt, Is.Not.Null);
        Assert.That(await _database.ScalarAsync<string>("SELECT last_error FROM provenance.outbox_message WHERE message_id = @Id", new { Id = poisonId }),
            Does.Contain("Unknown message type"));
    }

    [Test]
    public async Task Should_delete_delivered_rows_and_old_inbox_rows_after_their_retention()
    {
        var tenant = "retention-" + Guid.NewGuid().ToString("N")[..8];
        await Database.InTransactionAsync(data => data.PublishAsync(Recorded(tenant)), CancellationToken.None);
        await Probe.UntilAsync(() => Task.FromResult(DeliveredFor(tenant).Any()), TimeSpan.FromSeconds(30), "the message arrives");
        await Probe.UntilAsync(async () => await _database.ScalarAsync<long>("SELECT count(*) FROM provenance.outbox_message WHERE sent_at IS NULL") == 0,
            TimeSpan.FromSeconds(30), "the outbox is drained");
        await using var connection = _database.Open();
        await connection.ExecuteAsync(
            "INSERT INTO provenance.inbox_message (message_id, consumer, received_at, redelivered) VALUES (@Id, 'old', now() - interval '30 days', false)",
            new { Id = Guid.NewGuid() });

        var sentDeleted = await connection.ExecuteAsync(MessagingSql.DeleteSentOutbox("provenance"), new { Before = DateTime.UtcNow.AddMinutes(1) });
        var inboxDeleted = await connection.ExecuteAsync(MessagingSql.DeleteOldInbox("provenance"), new { Before = DateTime.UtcNow.AddDays(-7) });

        Assert.That(sentDeleted, Is.GreaterThanOrEqualTo(1));
        Assert.That(inboxDeleted, Is.EqualTo(1));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM provenance.outbox_message WHERE sent_at IS NOT NULL"), Is.Zero);
    }
}
