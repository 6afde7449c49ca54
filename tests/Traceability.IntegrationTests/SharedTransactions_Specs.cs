using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Traceability.Data;
using Traceability.Data.Messaging;

namespace Traceability.IntegrationTests;

[TestFixture]
[Category("Integration")]
public class When_units_of_work_arrive_together
{
    private const string RecordUnit = """
        INSERT INTO risk.shared_unit (unit, transaction_id) VALUES (@Unit, txid_current())
        """;

    private TestDatabase _database = null!;
    private OutboxSignal _signal = null!;
    private Database _data = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _database = await Infrastructure.CreateDatabaseAsync();
        await SchemaMigrations.ApplyAsync(PostgresDialect.Instance, _database.ConnectionString, "risk", typeof(Traceability.Risk.Rules.DolGoodsList).Assembly, NullLogger.Instance);
        await using (var connection = new NpgsqlConnection(_database.ConnectionString))
        {
            await connection.ExecuteAsync("CREATE TABLE risk.shared_unit (unit int PRIMARY KEY, transaction_id bigint NOT NULL)");
        }
        _signal = new OutboxSignal();
        _data = new Database(Options.Create(new DatabaseOptions { Provider = "postgres", ConnectionString = _database.ConnectionString, Schema = "risk" }), _signal);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _signal.Dispose();
        await _database.DisposeAsync();
    }

    [Test]
    public async Task Should_commit_them_in_one_transaction()
    {
        var (first, release) = Blocking(1000);
        var others = Enumerable.Range(1001, 20).Select(unit => _data.InSharedTransactionAsync(data =>
        {
            data.Defer(RecordUnit, new { Unit = unit });
            return Task.FromResult(unit);
        }, CancellationToken.None)).ToList();
        release.SetResult();
        await first;

        Assert.That(await Task.WhenAll(others), Is.EqualTo(Enumerable.Range(1001, 20)));
        Assert.That(await _database.ScalarAsync<long>("SELECT count(DISTINCT transaction_id) FROM risk.shared_unit WHERE unit BETWEEN 1001 AND 1020"),
            Is.LessThanOrEqualTo(2), "twenty units that queued behind one transaction commit in one or two, not twenty");
    }

    [Test]
    public async Task Should_fail_only_the_unit_that_failed()
    {
        var (first, release) = Blocking(0);
        var others = Enumerable.Range(1, 20).Select(unit => _data.InSharedTransactionAsync(data =>
        {
            data.Defer(RecordUnit, new { Unit = unit });
            return unit == 7 ? throw new InvalidOperationException("unit 7 is broken") : Task.FromResult(unit);
        }, CancellationToken.None)).ToList();
        release.SetResult();

        await first;
        var outcomes = await Task.WhenAll(others.Select(async task =>
        {
            try
            {
                return await task;
            }
            catch (InvalidOperationException)
            {
                return -1;
            }
        }));

        Assert.That(outcomes, Is.EqualTo(Enumerable.Range(1, 20).Select(u => u == 7 ? -1 : u)), "each unit gets its own outcome");
        var units = await _database.ScalarAsync<int[]>("SELECT coalesce(array_agg(unit ORDER BY unit), '{}') FROM risk.shared_unit WHERE unit BETWEEN 1 AND 20");
        Assert.That(units, Is.EqualTo(Enumerable.Range(1, 20).Where(u => u != 7)), "the failed unit left nothing behind, the others committed");
    }

    [Test]
    public async Task Should_keep_each_units_own_trace_on_the_messages_it_publishes()
    {
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == "Traceability.IntegrationTests.Shared",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        using var source = new System.Diagnostics.ActivitySource("Traceability.IntegrationTests.Shared");

        Task<int> first;
        TaskCompletionSource release;
        using (source.StartActivity("the request that starts the drain"))
        {
            (first, release) = Blocking(2000);
        }
        var units = Enumerable.Range(2001, 5).Select(unit =>
        {
            using var request = source.StartActivity($"request {unit}")!;
            var message = new Traceability.Contracts.Provenance.ShipmentRecorded
            {
                EventId = Guid.NewGuid(), TenantId = "traced", OccurredAt = DateTime.UtcNow, ShipmentId = Guid.NewGuid(), HsCode = "090111",
                Commodity = "Coffee", OriginCountry = "BR", Quantity = unit, Unit = "kg", ShipDate = new DateOnly(2026, 11, 2),
            };
            return (request.TraceId.ToString(), message.EventId, Task: _data.InSharedTransactionAsync(async data =>
            {
                await data.PublishAsync(message);
                return unit;
            }, CancellationToken.None));
        }).ToList();
        release.SetResult();
        await first;
        await Task.WhenAll(units.Select(u => u.Task));

        foreach (var (traceId, messageId, _) in units)
        {
            Assert.That(await _database.ScalarAsync<string>("SELECT trace_parent FROM risk.outbox_message WHERE message_id = @Id", new { Id = messageId }),
                Does.Contain(traceId), "a unit run by another caller's drain still writes its own request's trace");
        }
    }

    // A unit that holds its transaction open until released, so that the units started meanwhile queue up behind it.
    private (Task<int> Unit, TaskCompletionSource Release) Blocking(int unit)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = _data.InSharedTransactionAsync(async data =>
        {
            data.Defer(RecordUnit, new { Unit = unit });
            await release.Task;
            return unit;
        }, CancellationToken.None);
        return (task, release);
    }

    [Test]
    public async Task Should_write_held_rows_together_and_let_a_held_row_roll_its_transaction_back()
    {
        var rolledBack = Assert.ThrowsAsync<InvalidOperationException>(() => _data.InTransactionAsync(data =>
        {
            data.Defer(RecordUnit, new { Unit = 101 });
            // A second row with the same key: its held insert fails at commit, and the first goes with it.
            data.Defer("INSERT INTO risk.shared_unit (unit, transaction_id) VALUES (@Unit, 0) ON CONFLICT (unit) DO NOTHING", new { Unit = 101 },
                inserted => throw new InvalidOperationException($"inserted {inserted}"));
            return Task.CompletedTask;
        }, CancellationToken.None));

        Assert.That(rolledBack!.Message, Is.EqualTo("inserted 0"), "the held writes ran in order before commit");
        Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM risk.shared_unit WHERE unit = 101"), Is.Zero);
    }
}
