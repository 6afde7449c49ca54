using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using Traceability.Data;

namespace Traceability.Tests;

/// <summary>
/// SQL Server cannot run on the CI machine, so every T-SQL text the platform can send is parsed
/// with ScriptDom: each migration under infra/sql/sqlserver, each const in a *Sql class, and each
/// statement a *Sql class or the dialect builds for SQL Server.
/// </summary>
[TestFixture]
public partial class When_every_T_SQL_statement_is_parsed
{
    private static readonly Assembly[] StatementAssemblies =
    [
        typeof(SqlDialect).Assembly,
        typeof(Traceability.Provenance.Features.RecordShipment.RecordShipmentHandler).Assembly,
        typeof(Traceability.Risk.Rules.DolGoodsList).Assembly,
        typeof(Traceability.Hosting.TraceabilityService).Assembly,
        typeof(Traceability.Portal.KeyRing.DatabaseKeyRingSql).Assembly,
        typeof(Traceability.Audits.Standards.FindingCodes).Assembly,
    ];

    public static IEnumerable<TestCaseData> Migrations() =>
        Directory.GetFiles(Path.Combine(RepositoryFiles.Root, "infra", "sql", "sqlserver"), "*.sql", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(path => new TestCaseData(Path.GetRelativePath(RepositoryFiles.Root, path)).SetName($"Migration {Path.GetRelativePath(RepositoryFiles.Root, path)}"));

    public static IEnumerable<TestCaseData> Statements() =>
        SqlServerStatements().Select(s => new TestCaseData(s.Name, s.Sql).SetName($"Statement {s.Name}"));

    [TestCaseSource(nameof(Migrations))]
    public void Should_parse_the_migration(string relativePath)
    {
        var sql = File.ReadAllText(Path.Combine(RepositoryFiles.Root, relativePath)).Replace("$schema$", "test_schema", StringComparison.Ordinal);
        Assert.That(ParseErrors(sql), Is.Empty, relativePath);
    }

    [TestCaseSource(nameof(Statements))]
    public void Should_parse_the_statement(string name, string sql)
    {
        Assert.That(ParseErrors(ExpandDapperLists(sql)), Is.Empty, $"{name}:\n{sql}");
    }

    [Test]
    public void Should_find_the_statements_of_every_service_and_the_messaging_layer()
    {
        var names = SqlServerStatements().Select(s => s.Name).ToList();
        Assert.That(names, Has.Some.StartsWith("MessagingSql.ClaimOutboxBatch"));
        Assert.That(names, Has.Some.StartsWith("RecordShipmentSql."));
        Assert.That(names, Has.Some.StartsWith("FlagBookSql.InsertFlagIfNoneOpen"));
        Assert.That(names, Has.Some.StartsWith("ListFlagsSql."));
        Assert.That(names, Has.Some.StartsWith("AuditsSql.").And.Some.StartsWith("CertificatesSql.").And.Some.StartsWith("IdempotencySql."));
        Assert.That(names, Has.Some.StartsWith("SqlServerDialect.AcquireMigrationLock"));
        Assert.That(Migrations().Count(), Is.GreaterThanOrEqualTo(3));
    }

    [Test]
    public void Should_report_a_broken_statement()
    {
        // The check above is only worth something if ScriptDom does refuse bad T-SQL.
        Assert.That(ParseErrors("SELECT TOP (@BatchSize) sequence FROM x.outbox_message WITH (UPDLOCK, READPAST ROWLOCK"), Is.Not.Empty);
        Assert.That(ParseErrors("INSERT INTO x.t (a) VALUES (@A) ON CONFLICT (a) DO NOTHING"), Is.Not.Empty, "PostgreSQL's upsert is not T-SQL");
    }

    internal static IEnumerable<(string Name, string Sql)> SqlServerStatements()
    {
        var dialect = SqlServerDialect.Instance;
        foreach (var type in StatementAssemblies.SelectMany(a => a.GetTypes()).Where(t => t.IsAbstract && t.IsSealed && t.Name.EndsWith("Sql", StringComparison.Ordinal)))
        {
            foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static).Where(f => f.IsLiteral && f.FieldType == typeof(string)))
            {
                yield return ($"{type.Name}.{field.Name}", (string)field.GetRawConstantValue()!);
            }
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static).Where(m => m.ReturnType == typeof(string)))
            {
                // An enum or bool parameter (a visibility, an order, after a cursor or not) is called with each of its values:
                // every statement it can build.
                var choices = method.GetParameters().Select(p => p.ParameterType == typeof(SqlDialect) ? [dialect]
                    : p.ParameterType == typeof(string) ? ["test_schema"]
                    : p.ParameterType == typeof(bool) ? [false, true]
                    : p.ParameterType.IsEnum ? Enum.GetValues(p.ParameterType).Cast<object>().ToArray()
                    : throw new InvalidOperationException($"{type.Name}.{method.Name} takes a {p.ParameterType.Name}; teach this test how to call it.")).ToArray();
                foreach (var arguments in choices.Aggregate((IEnumerable<object[]>)[[]], (sets, values) => sets.SelectMany(set => values.Select(v => (object[])[.. set, v]))))
                {
                    var enums = method.GetParameters().Zip(arguments)
                        .Where(a => a.Second.GetType().IsEnum || a.Second is bool).Select(a => a.Second is bool b ? $"{a.First.Name}: {b}" : a.Second.ToString()).ToList();
                    yield return ($"{type.Name}.{method.Name}{(enums.Count > 0 ? $"({string.Join(", ", enums)})" : "")}", (string)method.Invoke(null, arguments)!);
                }
            }
        }
        yield return ("SqlServerDialect.AcquireMigrationLock", dialect.AcquireMigrationLock);
        yield return ("SqlServerDialect.LockForTransaction", dialect.LockForTransaction);
        yield return ("SqlServerDialect.ReleaseMigrationLock", dialect.ReleaseMigrationLock);
        yield return ("SqlServerDialect.CreateSchemaIfMissing", dialect.CreateSchemaIfMissing("test_schema"));
    }

    internal static IList<string> ParseErrors(string sql)
    {
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(sql);
        parser.Parse(reader, out var errors);
        return errors.Select(e => $"line {e.Line}, column {e.Column}: {e.Message}").ToList();
    }

    // Dapper turns "IN @List" into "IN (@List1, @List2, ...)" before SQL Server sees it.
    private static string ExpandDapperLists(string sql) => DapperList().Replace(sql, "IN (@${name}1, @${name}2)");

    [GeneratedRegex(@"IN @(?<name>\w+)")]
    private static partial Regex DapperList();
}
