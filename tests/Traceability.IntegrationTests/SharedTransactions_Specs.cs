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
    [Test]
    public async Task Should_take_every_units_locks_first_each_once_in_key_order()
    {
        await using (var connection = _database.Open())
        {
            await connection.ExecuteAsync("CREATE TABLE risk.lock_taken (seq bigserial PRIMARY KEY, lock_key text NOT NULL, unit int)");
        }
        // A lock whose statement notes when it ran, so the order the transaction took them in can be read back.
        static TransactionLock Noted(string key) => new(key, [("INSERT INTO risk.lock_taken (lock_key) VALUES (@Key)", new { Key = key })]);
        var (first, release) = Blocking(3000);
        (int Unit, string[] Locks)[] plan = [(2001, ["site:b", "facility:9"]), (2002, ["site:a", "site:b"]), (2003, ["facility:1"])];
        var units = plan.Select(u => _data.InSharedTransactionAsync<int>(u.Locks.Select(Noted).ToList(), data =>
            {
                data.Defer("INSERT INTO risk.lock_taken (lock_key, unit) VALUES ('work', @Unit)", new { u.Unit });
                return Task.FromResult(u.Unit);
            }, CancellationToken.None)).ToList();
        release.SetResult();
        await first;
        await Task.WhenAll(units);

        await using var read = _database.Open();
        var taken = (await read.QueryAsync<string>("SELECT lock_key FROM risk.lock_taken WHERE unit IS NULL ORDER BY seq")).ToList();
        Assert.That(taken, Is.EqualTo(new[] { "facility:1", "facility:9", "site:a", "site:b" }), "in key order, a key two units share once");
        var work = await read.ExecuteScalarAsync<long>("SELECT min(seq) FROM risk.lock_taken WHERE unit IS NOT NULL");
        var lastLock = await read.ExecuteScalarAsync<long>("SELECT max(seq) FROM risk.lock_taken WHERE unit IS NULL");
        Assert.That(lastLock, Is.LessThan(work), "before any unit's work");
    }

    [Test]
    public async Task Should_read_its_own_rows_in_the_round_trip_of_a_held_lock()
    {
        // PostgreSQL's lock answers with a row of its own; the read sent in the same batch after it must still get its rows.
        var held = await _data.InTransactionAsync(async data =>
        {
            data.Lock([TransactionLock.Named(data.Dialect, "shared-transactions-spec")]);
            return await data.QuerySingleOrDefaultAsync<long>(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND @Granted", new { Granted = true });
        }, CancellationToken.None);
        Assert.That(held, Is.EqualTo(1), "the lock is held when the read runs, and the read's own row is what comes back");
    }

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
