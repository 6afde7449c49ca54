using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Traceability.Data;
using Traceability.Data.Messaging;

namespace Traceability.IntegrationTests;

[TestFixture]
[Category("Integration")]
public class When_a_message_reaches_a_consumer_more_than_once
{
    private const string InsertEffect = """
        INSERT INTO risk.shipment_evaluation (shipment_id, tenant_id, message_id, evaluated_at, findings)
        VALUES (@ShipmentId, 'acme', @MessageId, @EvaluatedAt, 0)
        """;

    private TestDatabase _database = null!;
    private OutboxSignal _signal = null!;
    private Database _data = null!;
    private Inbox _inbox = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _database = await Infrastructure.CreateDatabaseAsync();
        await SchemaMigrations.ApplyAsync(PostgresDialect.Instance, _database.ConnectionString, "risk", typeof(Traceability.Risk.Rules.DolGoodsList).Assembly, NullLogger.Instance);
        _signal = new OutboxSignal();
        _data = new Database(Options.Create(new DatabaseOptions { Provider = "postgres", ConnectionString = _database.ConnectionString, Schema = "risk" }), _signal);
        _inbox = new Inbox(_data);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _signal.Dispose();
        await _database.DisposeAsync();
    }

    private Task<long> EffectsOf(Guid messageId) =>
        _database.ScalarAsync<long>("SELECT count(*) FROM risk.shipment_evaluation WHERE message_id = @Id", new { Id = messageId });

    private Func<DataTransaction, Task> Effect(Guid messageId) =>
        data => data.ExecuteAsync(InsertEffect, new { ShipmentId = Guid.NewGuid(), MessageId = messageId, EvaluatedAt = DateTime.UtcNow });

    [Test]
    public async Task Should_have_its_effect_once_and_count_the_redelivery()
    {
        var messageId = Guid.NewGuid();
        var first = await _inbox.ConsumeOnceAsync(messageId, "risk.test", false, Effect(messageId), CancellationToken.None);
        var second = await _inbox.ConsumeOnceAsync(messageId, "risk.test", true, Effect(messageId), CancellationToken.None);

        Assert.That((first, second), Is.EqualTo((true, false)));
        Assert.That(await EffectsOf(messageId), Is.EqualTo(1));
        Assert.That(await _database.ScalarAsync<int>("SELECT duplicates FROM risk.inbox_message WHERE message_id = @Id", new { Id = messageId }), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_have_its_effect_once_when_deliveries_race()
    {
        var messageId = Guid.NewGuid();
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            _inbox.ConsumeOnceAsync(messageId, "risk.test", false, Effect(messageId), CancellationToken.None)));

        Assert.That(results.Count(r => r), Is.EqualTo(1));
        Assert.That(await EffectsOf(messageId), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_treat_each_consumer_of_one_message_separately()
    {
        var messageId = Guid.NewGuid();
        Assert.That(await _inbox.ConsumeOnceAsync(messageId, "risk.one", false, Effect(messageId), CancellationToken.None), Is.True);
        Assert.That(await _inbox.ConsumeOnceAsync(messageId, "risk.two", false, Effect(messageId), CancellationToken.None), Is.True);
        Assert.That(await EffectsOf(messageId), Is.EqualTo(2));
    }

    [Test]
    public async Task Should_run_again_when_the_first_attempt_failed_and_rolled_back()
    {
        var messageId = Guid.NewGuid();
        Assert.ThrowsAsync<InvalidOperationException>(() => _inbox.ConsumeOnceAsync(messageId, "risk.test", false, async data =>
        {
            await Effect(messageId)(data);
            throw new InvalidOperationException("rule engine failed");
        }, CancellationToken.None));
        Assert.That(await EffectsOf(messageId), Is.Zero);

        Assert.That(await _inbox.ConsumeOnceAsync(messageId, "risk.test", true, Effect(messageId), CancellationToken.None), Is.True);
        Assert.That(await EffectsOf(messageId), Is.EqualTo(1));
    }
}
