using Npgsql;
using Traceability.Data;

namespace Traceability.Tests;

[TestFixture]
public class When_a_dialect_writes_the_statements_that_differ
{
    [Test]
    public void Should_bind_snake_case_columns_to_pascal_case_parameters()
    {
        Assert.That(SqlDialect.ParameterFor("message_id"), Is.EqualTo("MessageId"));
        Assert.That(SqlDialect.ParameterFor("id"), Is.EqualTo("Id"));
    }

    [Test]
    public void Should_insert_if_absent_with_on_conflict_on_PostgreSQL()
    {
        var sql = PostgresDialect.Instance.InsertIfAbsent("risk.flag", ["id", "rule_id"], ["rule_id"]);
        Assert.That(sql, Is.EqualTo("INSERT INTO risk.flag (id, rule_id) VALUES (@Id, @RuleId) ON CONFLICT (rule_id) DO NOTHING"));
    }

    [Test]
    public void Should_insert_if_absent_under_a_key_range_lock_on_SQL_Server()
    {
        var sql = SqlServerDialect.Instance.InsertIfAbsent("risk.flag", ["id", "rule_id"], ["rule_id"]);
        Assert.That(sql, Does.Contain("WITH (UPDLOCK, HOLDLOCK)").And.Contain("WHERE NOT EXISTS").And.Contain("rule_id = @RuleId"));
        Assert.That(When_every_T_SQL_statement_is_parsed.ParseErrors(sql), Is.Empty);
    }

    [Test]
    public void Should_prepare_statements_on_PostgreSQL_unless_the_connection_string_says_otherwise()
    {
        var tuned = new NpgsqlConnectionStringBuilder(PostgresDialect.Instance.Tuned("Host=127.0.0.1;Database=t;Username=u"));
        Assert.That((tuned.MaxAutoPrepare, tuned.NoResetOnClose, tuned.Host), Is.EqualTo((100, true, "127.0.0.1")));

        var given = new NpgsqlConnectionStringBuilder(PostgresDialect.Instance.Tuned("Host=h;Max Auto Prepare=0;No Reset On Close=false"));
        Assert.That((given.MaxAutoPrepare, given.NoResetOnClose), Is.EqualTo((0, false)));
        Assert.That(SqlServerDialect.Instance.Tuned("Server=s;Database=d"), Is.EqualTo("Server=s;Database=d"));
    }

    [Test]
    public void Should_claim_outbox_rows_skipping_locked_ones()
    {
        Assert.That(PostgresDialect.Instance.ClaimOutboxBatch("risk"), Does.Contain("FOR UPDATE SKIP LOCKED").And.Contain("ORDER BY sequence"));
        Assert.That(SqlServerDialect.Instance.ClaimOutboxBatch("risk"), Does.Contain("WITH (UPDLOCK, READPAST, ROWLOCK)").And.Contain("TOP (@BatchSize)"));
    }

    [TestCase("risk; DROP TABLE x")]
    [TestCase("Risk")]
    [TestCase("risk.")]
    [TestCase("")]
    public void Should_refuse_a_name_that_is_not_a_plain_identifier(string schema)
    {
        Assert.Throws<ArgumentException>(() => PostgresDialect.Instance.ClaimOutboxBatch(schema));
        Assert.Throws<ArgumentException>(() => SqlServerDialect.Instance.CreateSchemaIfMissing(schema));
    }

    [TestCase("postgres", typeof(PostgresDialect))]
    [TestCase("PostgreSQL", typeof(PostgresDialect))]
    [TestCase("sqlserver", typeof(SqlServerDialect))]
    public void Should_be_chosen_by_configuration(string provider, Type expected)
    {
        Assert.That(SqlDialect.For(provider), Is.InstanceOf(expected));
    }

    [Test]
    public void Should_refuse_an_unknown_provider()
    {
        Assert.Throws<ArgumentException>(() => SqlDialect.For("oracle"));
    }

    [Test]
    public void Should_treat_deadlocks_and_serialization_failures_as_transient_on_PostgreSQL()
    {
        Assert.That(PostgresDialect.Instance.IsTransient(new PostgresException("deadlock", "ERROR", "ERROR", "40P01")), Is.True);
        Assert.That(PostgresDialect.Instance.IsTransient(new PostgresException("serialization", "ERROR", "ERROR", "40001")), Is.True);
        Assert.That(PostgresDialect.Instance.IsTransient(new PostgresException("unique", "ERROR", "ERROR", "23505")), Is.False);
        Assert.That(PostgresDialect.Instance.IsTransient(new InvalidOperationException()), Is.False);
    }
}
