using Microsoft.Extensions.Options;
using Npgsql;
using Traceability.Data;
using Traceability.Data.Messaging;

namespace Traceability.Tests;

[TestFixture]
public class When_a_transaction_meets_an_error
{
    [Test]
    public async Task Should_run_the_whole_transaction_again_after_a_deadlock()
    {
        var pipeline = TransientRetry.For(PostgresDialect.Instance, maxRetryAttempts: 3);
        var attempts = 0;
        var result = await pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            return attempts < 3 ? throw new PostgresException("deadlock", "ERROR", "ERROR", "40P01") : ValueTask.FromResult("committed");
        });
        Assert.That(result, Is.EqualTo("committed"));
        Assert.That(attempts, Is.EqualTo(3));
    }

    [Test]
    public void Should_give_up_after_its_budget_of_attempts()
    {
        var pipeline = TransientRetry.For(PostgresDialect.Instance, maxRetryAttempts: 2);
        var attempts = 0;
        Assert.ThrowsAsync<PostgresException>(async () => await pipeline.ExecuteAsync<int>(_ =>
        {
            attempts++;
            throw new PostgresException("deadlock", "ERROR", "ERROR", "40P01");
        }));
        Assert.That(attempts, Is.EqualTo(3));
    }

    [Test]
    public void Should_not_retry_an_error_that_will_not_go_away()
    {
        var pipeline = TransientRetry.For(PostgresDialect.Instance);
        var attempts = 0;
        Assert.ThrowsAsync<PostgresException>(async () => await pipeline.ExecuteAsync<int>(_ =>
        {
            attempts++;
            throw new PostgresException("duplicate key", "ERROR", "ERROR", "23505");
        }));
        Assert.That(attempts, Is.EqualTo(1));
    }
}

[TestFixture]
public class When_the_database_cannot_be_reached
{
    // Nothing listens on port 1 of the loopback: every connection is refused at once, as by a stopped server.
    private static Database Unreachable() => new(Options.Create(new DatabaseOptions
    {
        Provider = "postgres",
        ConnectionString = "Host=127.0.0.1;Port=1;Database=traceability;Username=traceability;Password=unused",
        Schema = "provenance",
        MaxRetryAttempts = 1,
    }), new OutboxSignal());

    [Test]
    public void Should_tell_a_request_that_the_database_is_unavailable_after_its_short_budget()
    {
        var database = Unreachable();
        using (Database.ServeRequest())
        {
            var unavailable = Assert.ThrowsAsync<DatabaseUnavailableException>(() => database.QueryAsync<int>("SELECT 1", null, CancellationToken.None));
            Assert.That(unavailable!.Message, Does.Contain("request retry budget"));
            Assert.That(unavailable.InnerException, Is.InstanceOf<NpgsqlException>());
        }
    }

    [Test]
    public void Should_give_background_work_its_own_budget_once_the_request_is_over()
    {
        var database = Unreachable();
        using (Database.ServeRequest())
        {
        }
        var unavailable = Assert.ThrowsAsync<DatabaseUnavailableException>(() => database.InTransactionAsync(_ => Task.CompletedTask, CancellationToken.None));
        Assert.That(unavailable!.Message, Does.Contain("background retry budget"));
    }

    [Test]
    public void Should_count_a_spent_budget_as_unavailable_but_not_an_error_of_the_work()
    {
        Assert.That(TransientRetry.MeansUnavailable(PostgresDialect.Instance, new Polly.Timeout.TimeoutRejectedException()), Is.True);
        Assert.That(TransientRetry.MeansUnavailable(PostgresDialect.Instance, new PostgresException("duplicate key", "ERROR", "ERROR", "23505")), Is.False);
    }
}
