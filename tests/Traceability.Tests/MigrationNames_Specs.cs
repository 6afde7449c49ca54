namespace Traceability.Tests;

/// <summary>
/// Migrations run in the order of their full names (DbUp's journal keeps the names), so two files of one service with
/// the same number still run in a fixed order. A number used twice is tolerated only where existing databases have
/// applied both files already (renaming an applied file would run it again); every new migration takes the next number.
/// </summary>
[TestFixture]
public class When_a_migration_is_added
{
    // Applied by existing databases under these names: kept as they are (README, "Migrations").
    private static readonly string[] AppliedTwice = ["audits/0002", "risk/0006", "risk/0007", "risk/0009"];

    private static string Sql => Path.Combine(RepositoryFiles.Root, "infra", "sql");

    private static IEnumerable<string> Names(string dialect) =>
        Directory.GetFiles(Path.Combine(Sql, dialect), "*.sql", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(Path.Combine(Sql, dialect), file).Replace('\\', '/'));

    [Test]
    public void Should_take_a_number_no_other_migration_of_its_service_has()
    {
        var twice = Names("postgres").Select(name => name[..(name.IndexOf('/', StringComparison.Ordinal) + 5)])
            .GroupBy(number => number).Where(g => g.Count() > 1).Select(g => g.Key);
        Assert.That(twice, Is.SubsetOf(AppliedTwice), "a new migration takes the next number of its service's folder");
    }

    [Test]
    public void Should_exist_in_both_dialects_under_the_same_name() =>
        Assert.That(Names("sqlserver"), Is.EquivalentTo(Names("postgres")));
}
