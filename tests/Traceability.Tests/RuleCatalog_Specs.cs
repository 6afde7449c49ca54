using Traceability.Risk.Flags;
using Traceability.Risk.Rules;

namespace Traceability.Tests;

[TestFixture]
public class When_the_rule_set_is_read
{
    [Test]
    public void Should_give_every_rule_a_version_and_every_severity_an_SLA_clock()
    {
        var catalog = RuleCatalog.LoadShipped();
        Assert.That(catalog.RuleSet, Is.Not.Empty);
        Assert.That(catalog.Rules.Values.Select(r => r.Version), Has.All.GreaterThan(0));
        Assert.That(catalog.Rules.Values.Select(r => r.Description), Has.All.Not.Empty);
        foreach (var severity in Severity.All)
        {
            var sla = catalog.SlaFor(severity);
            Assert.That(sla.Assign, Is.GreaterThan(TimeSpan.Zero).And.LessThan(sla.Resolve), severity);
        }
        Assert.That(catalog.SlaFor(Severity.Critical).Resolve, Is.LessThan(catalog.SlaFor(Severity.Low).Resolve));
    }

    [Test]
    public void Should_let_configuration_override_a_parameter_and_a_version()
    {
        var catalog = RuleCatalog.LoadShipped(new Dictionary<string, string?>
        {
            ["Risk:Rules:dol-goods-list:Version"] = "7",
            ["Risk:Rules:dol-goods-list:Parameters:ChildLabourSeverity"] = "high",
        });
        var rule = new ShipmentOriginRule(DolGoodsList.LoadShipped(), catalog);
        var signal = rule.Evaluate(new Traceability.Contracts.Provenance.ShipmentRecorded
        {
            EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = DateTime.UtcNow, ShipmentId = Guid.NewGuid(), HsCode = "520100",
            Commodity = "Cotton", OriginCountry = "AR", Quantity = 1, Unit = "t", ShipDate = new DateOnly(2026, 11, 1),
        });
        Assert.That((signal!.RuleVersion, signal.Severity), Is.EqualTo((7, "high")), "Argentine cotton is listed for child labour only");
        Assert.That(signal.Scope, Is.EqualTo(new FlagScope("AR", "52")));
    }

    [Test]
    public void Should_raise_nothing_from_a_rule_switched_off()
    {
        var catalog = RuleCatalog.LoadShipped(new Dictionary<string, string?> { ["Risk:Rules:dol-goods-list:Enabled"] = "false" });
        var rule = new ShipmentOriginRule(DolGoodsList.LoadShipped(), catalog);
        Assert.That(rule.Evaluate(new Traceability.Contracts.Provenance.ShipmentRecorded
        {
            EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = DateTime.UtcNow, ShipmentId = Guid.NewGuid(), HsCode = "520100",
            Commodity = "Cotton", OriginCountry = "CN", Quantity = 1, Unit = "t", ShipDate = new DateOnly(2026, 11, 1),
        }), Is.Null);
    }
}
