using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Traceability.Tests;

/// <summary>Every text a portal page shows comes from resources, in English and in French.</summary>
[TestFixture]
public partial class When_the_portal_shows_a_text
{
    private static string Portal => Path.Combine(RepositoryFiles.Root, "services", "Portal");

    private static HashSet<string> Keys(string resx) =>
        XDocument.Load(Path.Combine(Portal, "Resources", resx)).Root!.Elements("data").Select(d => (string)d.Attribute("name")!).ToHashSet();

    [Test]
    public void Should_find_it_in_the_English_and_the_French_resources()
    {
        var used = Directory.GetFiles(Path.Combine(Portal, "Pages"), "*.cshtml", SearchOption.AllDirectories)
            .SelectMany(file => Text().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value))
            .ToHashSet();
        var english = Keys("SharedResource.resx");
        var french = Keys("SharedResource.fr.resx");
        Assert.Multiple(() =>
        {
            Assert.That(used, Is.Not.Empty);
            Assert.That(used.Except(english), Is.Empty, "texts missing in English");
            Assert.That(english, Is.EquivalentTo(french), "English and French have the same texts");
            Assert.That(english, Is.SupersetOf(new[] { "severity.critical", "severity.high", "severity.medium", "severity.low", "status.open", "status.resolved" }));
        });
    }

    // Keys built from a value (T["severity." + flag.Severity]) are left out here and checked by the list of values below.
    [GeneratedRegex(@"T\[""((?:[^""\\]|\\.)*)""(?!\s*\+)")]
    private static partial Regex Text();
}
