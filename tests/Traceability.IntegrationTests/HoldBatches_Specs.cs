using Traceability.Contracts.Provenance;

namespace Traceability.IntegrationTests;

/// <summary>
/// A facility turning critical holds every shipment naming it a batch per transaction (the <c>hold</c> rule's
/// <c>BatchSize</c>, 2 here): the first batch with the facility's flag, each next one in a transaction of its own from
/// the message the batch before sent, so a site with very many shipments makes no long transaction.
/// </summary>
[TestFixture]
[Category("Integration")]
public class When_a_facility_with_many_shipments_turns_critical
{
    private RiskAlone _platform = null!;

    [OneTimeSetUp]
    public async Task Start() => _platform = await RiskAlone.StartAsync(new Dictionary<string, string> { ["Risk__Rules__hold__Parameters__BatchSize"] = "2" });

    [OneTimeTearDown]
    public async Task Stop() => await _platform.DisposeAsync();

    [Test]
    public async Task Should_hold_every_shipment_naming_it_a_batch_per_transaction()
    {
        var mill = Guid.NewGuid();
        var now = DateTime.UtcNow;
        var shipments = Enumerable.Range(0, 5).Select(_ => new ShipmentRecorded
        {
            EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = now, ShipmentId = Guid.NewGuid(), HsCode = "520100", Commodity = "Cotton yarn",
            OriginCountry = "VN", Quantity = 10, Unit = "t", ShipDate = DateOnly.FromDateTime(now),
            Tiers = [new SupplyTier { FacilityId = mill, Country = "CN", Role = "spinner" }],
        }).ToArray();
        await TestBus.PublishAsync(_platform.VirtualHost, shipments);
        await Probe.UntilAsync(async () => await _platform.Database.ScalarAsync<long>("SELECT count(*) FROM risk.shipment_facility WHERE facility_id = @Id", new { Id = mill }) == 5,
            TimeSpan.FromSeconds(30), "Risk keeps the shipments naming the mill");

        // The mill turns out to be in Xinjiang: its uflpa-region flag is critical.
        await TestBus.PublishAsync(_platform.VirtualHost, new FacilityRegistered
        {
            EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = now, FacilityId = mill, Revision = 1, Gln = "6901234500035", Name = "Kashgar Cotton Spinning",
            Country = "CN", Region = "Xinjiang", FacilityType = "mill",
        });
        await Probe.UntilAsync(async () => await _platform.Database.ScalarAsync<long>("SELECT count(*) FROM risk.flag WHERE rule_id = 'hold' AND subject_type = 'shipment'") == 5,
            TimeSpan.FromSeconds(30), "every shipment naming the mill is held");

        var ids = await _platform.Database.ScalarAsync<long>(
            $"SELECT count(*) FROM risk.flag WHERE rule_id = 'hold' AND subject_id IN ({string.Join(", ", shipments.Select(s => $"'{s.ShipmentId}'"))})");
        Assert.That(ids, Is.EqualTo(5), "one hold flag for each shipment, none twice");
        // 2 with the facility's flag, 2 and 1 from a message each: the last batch, not full, sends none.
        Assert.That(await _platform.Database.ScalarAsync<long>("SELECT count(*) FROM risk.inbox_message WHERE consumer = 'risk.hold-shipments'"), Is.EqualTo(2));
    }
}
