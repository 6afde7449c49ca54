using System.Text.Json;
using Traceability.Contracts.Provenance;
using Traceability.Data.Messaging;

namespace Traceability.Tests;

[TestFixture]
public class When_the_outbox_relay_reads_a_row
{
    private static readonly ShipmentRecorded Recorded = new()
    {
        EventId = Guid.NewGuid(),
        TenantId = "acme",
        OccurredAt = new DateTime(2026, 11, 25, 10, 0, 0, DateTimeKind.Utc),
        ShipmentId = Guid.NewGuid(),
        HsCode = "520100",
        Commodity = "Cotton",
        OriginCountry = "CN",
        Quantity = 12.5m,
        Unit = "t",
        ShipDate = new DateOnly(2026, 11, 20),
    };

    [Test]
    public void Should_restore_the_message_it_stored()
    {
        var row = new OutboxRelay.OutboxRow(1, Recorded.EventId, Outbox.TypeName(typeof(ShipmentRecorded)), JsonSerializer.Serialize(Recorded, Outbox.Json), null);
        Assert.That(OutboxRelay.TryRead(row, out var message, out var type, out var error), Is.True, error);
        Assert.That(type, Is.EqualTo(typeof(ShipmentRecorded)));
        Assert.That(JsonSerializer.Serialize(message, Outbox.Json), Is.EqualTo(JsonSerializer.Serialize(Recorded, Outbox.Json)));
    }

    [Test]
    public void Should_set_aside_a_row_whose_type_no_longer_exists()
    {
        var row = new OutboxRelay.OutboxRow(1, Guid.NewGuid(), "Traceability.Contracts.Gone, Traceability.Contracts", "{}", null);
        Assert.That(OutboxRelay.TryRead(row, out _, out _, out var error), Is.False);
        Assert.That(error, Does.Contain("Unknown message type"));
    }

    [Test]
    public void Should_set_aside_a_row_whose_body_is_not_the_message()
    {
        var row = new OutboxRelay.OutboxRow(1, Guid.NewGuid(), Outbox.TypeName(typeof(ShipmentRecorded)), "{\"quantity\": \"lots\"", null);
        Assert.That(OutboxRelay.TryRead(row, out _, out _, out var error), Is.False);
        Assert.That(error, Is.Not.Empty);
    }

    [Test]
    public void Should_wait_longer_after_each_return_of_an_unroutable_row_up_to_the_limit()
    {
        var max = TimeSpan.FromMinutes(5);
        var waits = Enumerable.Range(1, 12).Select(attempt => OutboxRelay.UnroutableDelay(attempt, max)).ToList();
        Assert.That(waits.Take(4), Is.EqualTo(new[] { 1, 2, 4, 8 }.Select(s => TimeSpan.FromSeconds(s))));
        Assert.That(waits, Is.Ordered);
        Assert.That(waits[^1], Is.EqualTo(max));
        Assert.That(OutboxRelay.UnroutableDelay(int.MaxValue, max), Is.EqualTo(max));
    }
}
