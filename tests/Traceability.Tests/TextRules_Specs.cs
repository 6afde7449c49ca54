using System.Text;
using System.Text.Json;
using Traceability.Hosting;

namespace Traceability.Tests;

[TestFixture]
public class When_client_text_is_checked
{
    [TestCase("Ahafo Cocoa Cooperative")]
    [TestCase("Coopérative Agricole de Soubré")]
    [TestCase("تعاونية الكاكاو")]
    [TestCase("কোকো সমবায়")]
    [TestCase("Emoji 🌱 farm")]
    public void Should_keep_text_in_any_script(string text) => Assert.That(TextRules.Problem(text), Is.Null);

    [TestCase("a\0b", "NUL")]
    [TestCase("a\u0007b", "U+0007")]
    [TestCase("a\u0085b", "U+0085")]
    [TestCase("Farm \u202Eevil", "U+202E")]
    [TestCase("a\u2066b", "U+2066")]
    [TestCase("a\uFFFDb", "U+FFFD")]
    public void Should_refuse_text_that_cannot_be_stored_or_read_as_sent(string text, string named) =>
        Assert.That(TextRules.Problem(text), Does.Contain(named));

    [Test]
    public void Should_refuse_a_lone_surrogate()
    {
        // Built at run time: an attribute argument cannot carry a lone surrogate (metadata is UTF-8).
        var text = "a" + (char)0xD800 + "b";
        Assert.That(TextRules.Problem(text), Does.Contain("lone surrogate"));
        Assert.That(TextRules.Problem("a" + (char)0xDC00), Does.Contain("lone surrogate"));
    }

    [Test]
    public void Should_allow_line_breaks_only_in_free_text()
    {
        Assert.That(TextRules.Problem("line one\nline two", multiline: true), Is.Null);
        Assert.That(TextRules.Problem("line one\nline two"), Does.Contain("U+000A"));
    }

    [TestCase("\u200B\u200B", false)]
    [TestCase(" \u00A0\u2060 ", false)]
    [TestCase("\u0301", false)]
    [TestCase("x\u200B", true)]
    [TestCase("7", true)]
    public void Should_count_only_visible_characters_as_present(string text, bool visible) =>
        Assert.That(TextRules.HasVisibleCharacter(text), Is.EqualTo(visible));

    [Test]
    public void Should_name_the_field_that_breaks_the_rules_in_a_required_text()
    {
        var errors = new ValidationErrors();
        Assert.That(errors.RequireText("name", "\u200B", 200, required: true, "The name"), Is.Null);
        Assert.That(errors.RequireText("region", new string('a', 101), 100, required: false, "The region"), Is.Null);
        Assert.That(errors.RequireText("buyer", "  Chocolaterie BV  ", 200, required: false, "The buyer"), Is.EqualTo("Chocolaterie BV"));
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "name", "region" }));
    }
}

[TestFixture]
public class When_JSON_is_read_strictly
{
    private static readonly JsonSerializerOptions Options = Strict();

    private static JsonSerializerOptions Strict()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        StrictJson.Apply(options);
        return options;
    }

    private sealed record Product(string? Gtin, decimal? Quantity);

    [Test]
    public void Should_refuse_a_member_given_twice()
    {
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Product>("""{"quantity":-5,"quantity":5}""", Options));
        Assert.That(error!.Path, Is.EqualTo("$.quantity"));
    }

    [TestCase("""{"gtin":"a\u0000b"}""")]
    [TestCase("""{"gtin":"a\u202Eb"}""")]
    [TestCase("""{"gtin":"a\ud800b"}""")]
    public void Should_refuse_a_string_that_breaks_the_text_rules(string json)
    {
        var error = Assert.Catch<Exception>(() => JsonSerializer.Deserialize<Product>(json, Options));
        Assert.That(error, Is.InstanceOf<JsonException>().Or.InstanceOf<InvalidOperationException>());
    }

    [Test]
    public void Should_name_the_repeated_member_of_a_raw_document()
    {
        using var body = new MemoryStream(Encoding.UTF8.GetBytes("""{"epcisBody":{"eventList":[{"type":"ObjectEvent","type":"ObjectEvent"}]}}"""));
        var error = Assert.ThrowsAsync<JsonException>(() => StrictJson.ParseDocumentAsync(body, CancellationToken.None));
        Assert.That(error!.Path, Is.EqualTo("epcisBody.eventList[0].type"));
    }

    [Test]
    public void Should_find_undecodable_text_where_it_is()
    {
        byte[] json = [.. "{\"a\":[\"ok\",\""u8, 0xFF, 0xFE, .. "\"]}"u8];
        using var document = JsonDocument.Parse(json);
        Assert.That(StrictJson.FindBrokenText(document.RootElement)?.Path, Is.EqualTo("a[1]"));
        using var clean = JsonDocument.Parse("""{"a":["ok","fine\nlines"]}""");
        Assert.That(StrictJson.FindBrokenText(clean.RootElement), Is.Null);
    }
}
