using Npgsql;
using Traceability.Data;

namespace Traceability.Tests;

[TestFixture]
public class When_a_dialect_recognises_a_unique_violation
{
    [Test]
    public void Should_name_the_constraint_PostgreSQL_reports()
    {
        var taken = new PostgresException("duplicate key value violates unique constraint", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation,
            constraintName: "uq_product_exporter_gtin");
        Assert.That(PostgresDialect.Instance.IsUniqueViolation(taken, out var constraint), Is.True);
        Assert.That(constraint, Is.EqualTo("uq_product_exporter_gtin"));
    }

    [Test]
    public void Should_not_take_other_errors_for_a_conflict()
    {
        var tooLong = new PostgresException("value too long for type character varying(400)", "ERROR", "ERROR", PostgresErrorCodes.StringDataRightTruncation);
        Assert.That(PostgresDialect.Instance.IsUniqueViolation(tooLong, out _), Is.False);
        Assert.That(PostgresDialect.Instance.IsUniqueViolation(new TimeoutException(), out _), Is.False);
        Assert.That(SqlServerDialect.Instance.IsUniqueViolation(new InvalidOperationException(), out _), Is.False);
    }
}
