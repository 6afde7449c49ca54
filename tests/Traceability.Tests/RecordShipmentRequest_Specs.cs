using Traceability.Provenance.Features.RecordShipment;

namespace Traceability.Tests;

[TestFixture]
public class When_an_exporter_posts_a_shipment
{
    private static readonly DateOnly Today = new(2026, 11, 25);

    private static RecordShipmentRequest Valid() => new("5201.00", "Cotton", "CN", 1200.5m, "kg", new DateOnly(2026, 11, 20));

    [Test]
    public void Should_accept_a_complete_shipment_and_normalise_the_HS_code()
    {
        Assert.That(Valid().TryValidate(Today, out var shipment, out var errors), Is.True, string.Join("; ", errors.ToDictionary().Keys));
        Assert.That(shipment.HsCode, Is.EqualTo("520100"));
    }

    [Test]
    public void Should_name_every_missing_field()
    {
        var request = new RecordShipmentRequest(null, null, null, null, null, null);
        Assert.That(request.TryValidate(Today, out _, out var errors), Is.False);
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "hsCode", "commodity", "originCountry", "quantity", "unit", "shipDate" }));
    }

    [TestCase("52")]
    [TestCase("52010012345")]
    [TestCase("52O100")]
    public void Should_refuse_an_HS_code_that_is_not_6_to_10_digits(string hsCode)
    {
        Assert.That((Valid() with { HsCode = hsCode }).TryValidate(Today, out _, out var errors), Is.False);
        Assert.That(errors.ToDictionary().Keys, Is.EqualTo(new[] { "hsCode" }));
    }

    [TestCase("cn")]
    [TestCase("XX")]
    [TestCase("CHN")]
    public void Should_refuse_a_country_that_is_not_an_assigned_alpha_2_code(string country)
    {
        Assert.That((Valid() with { OriginCountry = country }).TryValidate(Today, out _, out var errors), Is.False);
        Assert.That(errors.ToDictionary().Keys, Is.EqualTo(new[] { "originCountry" }));
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(0.00001)]
    public void Should_refuse_a_quantity_that_is_not_positive_with_four_decimals(double quantity)
    {
        Assert.That((Valid() with { Quantity = (decimal)quantity }).TryValidate(Today, out _, out var errors), Is.False);
        Assert.That(errors.ToDictionary().Keys, Is.EqualTo(new[] { "quantity" }));
    }

    [Test]
    public void Should_keep_the_EPCs_of_the_goods_and_name_each_one_that_is_not_an_EPC()
    {
        string[] epcs = ["urn:epc:class:lgtin:4012345.012345.LOT1", "urn:epc:id:sscc:4012345.0000000001", "https://id.gs1.org/01/04012345123456/10/LOT1"];
        Assert.That((Valid() with { Epcs = epcs }).TryValidate(Today, out var shipment, out _), Is.True);
        Assert.That(shipment.Epcs, Is.EqualTo(epcs));
        Assert.That((Valid() with { Epcs = [] }).TryValidate(Today, out var none, out _) && none.Epcs is null, Is.True, "none named: left out (the hash chain's form)");

        Assert.That((Valid() with { Epcs = ["urn:epc:class:lgtin:4012345.012345.LOT1", "LOT 1", null, new string('x', 401), "urn:epc:class:lgtin:4012345.012345.LOT1"] })
            .TryValidate(Today, out _, out var errors), Is.False);
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "epcs[1]", "epcs[2]", "epcs[3]", "epcs[4]" }));
        Assert.That((Valid() with { Epcs = Enumerable.Range(0, 101).Select(i => $"urn:epc:id:sgtin:4012345.011111.{i}").ToArray() })
            .TryValidate(Today, out _, out var many), Is.False);
        Assert.That(many.ToDictionary().Keys, Is.EqualTo(new[] { "epcs" }));
    }

    [Test]
    public void Should_refuse_a_ship_date_more_than_a_year_ahead()
    {
        Assert.That((Valid() with { ShipDate = Today.AddDays(400) }).TryValidate(Today, out _, out var errors), Is.False);
        Assert.That(errors.ToDictionary().Keys, Is.EqualTo(new[] { "shipDate" }));
    }

    [Test]
    public void Should_refuse_an_unknown_unit_and_a_commodity_with_control_characters()
    {
        Assert.That((Valid() with { Unit = "bananas", Commodity = "Cot\u0000ton" }).TryValidate(Today, out _, out var errors), Is.False);
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "unit", "commodity" }));
    }

    [Test]
    public void Should_know_all_249_assigned_country_codes()
    {
        Assert.That(Traceability.Hosting.CountryCodes.Count, Is.EqualTo(249));
    }
}
