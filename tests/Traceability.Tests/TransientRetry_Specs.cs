using Npgsql;
using Traceability.Data;

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
